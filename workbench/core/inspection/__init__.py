"""Inspection of recurrent models: hidden states, gates, gradient flow and prediction views.

- ``events``: what inspection publishes (plain dataclasses, NumPy only; importable without torch).
- ``gates`` / ``snapshot``: per-layer traces recomputed from the fused kernels, as NumPy views.
- ``gradflow``: gradient norms through time; ``predictions``: the epoch-end views of each task.
- ``probe``: the training callback that takes throttled snapshots.
- ``feed``: attaches the probe to a run (``core.training.session`` calls it) and publishes.
"""
