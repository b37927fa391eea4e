"""Sequence data: file formats, built-in generators, splits, scaling and batching (Qt-free).

from workbench.core.data import load_data, inspect_data, PreparedData, SequenceSplit, DataSummary
from workbench.core.data.batching import iterate_batches, lm_batches, Batch
"""

from workbench.core.data.builtin import BUILTINS
from workbench.core.data.loader import inspect_data, load_data, natural_task
from workbench.core.data.prepared import DataSummary, PreparedData, SequenceSplit

__all__ = [
    "BUILTINS",
    "DataSummary",
    "PreparedData",
    "SequenceSplit",
    "inspect_data",
    "load_data",
    "natural_task",
]
