"""Render every Inspect view to PNG mid-training, offscreen, on real example projects.

    python -m workbench.tools.inspect_screenshots OUTDIR [--only NAME,...]

For each example (shortened so the whole set takes a few minutes on a laptop CPU), the main
window trains on its background worker with inspection on; once the views hold a few epochs of
data the run is paused, each Inspect tab is saved as ``inspect-NAME-VIEW.png``, and the run is
stopped. ``render_inspect(app, window, outdir)`` does the same inside another screenshot run.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1280, 800
VIEWS = ("activations", "gate-health", "gradient-flow", "trajectory", "predictions")


def _adding(spec: Any) -> None:
    # measured: with these settings the LSTM "clicks" after ~2,000 steps (epoch 10; validation
    # MSE 0.17 -> 0.007) while the tanh RNN never does
    spec.data.builtin.update(n_samples=10000)
    spec.train.batch_size = 32
    spec.train.optimizer.lr = 0.003
    spec.train.epochs = 16


def _char(spec: Any) -> None:
    spec.model.layers[0].hidden_size = 128
    spec.model.layers[0].num_layers = 1
    spec.train.max_steps = 400


def _seed(spec: Any) -> None:
    spec.data.builtin.update(n_samples=3000)
    spec.train.epochs = 6


#: example -> (spec tweak, epoch to pause in, view settings, tabs to save)
EXAMPLES: dict[str, tuple] = {
    "adding-lstm": (_adding, 12, {"quantity": "cell_state"}, VIEWS),
    "adding-rnn": (_adding, 5, {}, ("gradient-flow", "activations")),
    "seed-lstm": (_seed, 3, {"quantity": "forget"}, VIEWS),
    "char-lm": (_char, 3, {"quantity": "hidden"}, VIEWS),
}


def _wait(app, condition, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _settle(app, n: int = 8) -> None:
    for _ in range(n):
        app.processEvents()
        time.sleep(0.02)


def shoot_example(app, window, name: str, out: Path, timeout_s: float = 600) -> list[Path]:
    """Train example ``name`` in ``window`` until the views are rich, pause, save, stop."""
    from workbench.core.inspection.events import ProbeOptions

    tweak, flow_epochs, view, tabs = EXAMPLES[name]
    window.document.undo_stack.setClean()  # no "save changes?" prompt between examples
    window.open_project(f"example:{name}")
    window.document.edit("Shorter run for screenshots", tweak)
    training, inspect = window.training_panel, window.inspect_panel
    # a livelier probe than the default 2% budget, so the pictures fill within minutes
    inspect.hook.options = ProbeOptions(n=4, split="val", budget=0.1)
    window.tabs.setCurrentIndex(3)
    import torch

    threads = torch.get_num_threads()
    if name.startswith("adding"):  # as the vanishing-gradient test trains it (small kernels)
        torch.set_num_threads(1)
    if not training.train():
        raise RuntimeError(f"{name}: cannot train ({window.document.problems()})")
    try:
        _wait(
            app,
            lambda: (
                inspect.snapshot is not None
                and inspect.snapshot.epoch >= flow_epochs
                and inspect.grad_flow.epochs
                and inspect.predictions.latest is not None
                or not training.is_running()
            ),
            timeout_s,
        )
        training.pause()
        _settle(app, 20)
        controls = inspect.controls
        if "quantity" in view:
            controls.quantity.setCurrentIndex(max(controls.quantity.findData(view["quantity"]), 0))
        if "unit" in view:
            controls.unit.setValue(view["unit"])
        saved = []
        for tab in tabs:
            inspect.tabs.setCurrentIndex(VIEWS.index(tab))
            _settle(app)
            path = out / f"inspect-{name}-{tab}.png"
            window.grab().save(str(path))
            saved.append(path)
            print(path)
        return saved
    finally:
        training.shutdown()
        torch.set_num_threads(threads)
        _settle(app)


def render_inspect(app, window, out: Path, names: list[str] | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    for name in names or list(EXAMPLES):
        saved += shoot_example(app, window, name, out)
    window.document.undo_stack.setClean()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--only", default="", help="comma-separated example names")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workbench.gui.app import create_app
    from workbench.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.resize(WIDTH, HEIGHT)
    window.show()
    _wait(app, lambda: window._parts_ready and window._devices_ready, 120)
    names = [n for n in args.only.split(",") if n] or None
    render_inspect(app, window, args.outdir, names)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
