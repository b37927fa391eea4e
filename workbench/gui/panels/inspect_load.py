"""Load a finished run into the Inspect tab: its checkpoint's views, recomputed in the
background (``core.inspection.from_run``) and fed to the panel as a live run's would be."""

from __future__ import annotations

from typing import Any


def load_run_into(
    panel: Any,
    run_dir: Any,
    on_done: Any = None,
    on_error: Any = None,
    split: str | None = None,
    indices: list[int] | None = None,
) -> Any:
    """Start the job; the panel shows the run when it is done. Returns the job (``join``).
    ``split`` / ``indices`` choose the probed sequences (default: the panel's probe options)."""
    from workbench.core.inspection.from_run import inspect_run
    from workbench.gui.worker import run_in_thread

    options = panel.hook.options if getattr(panel, "hook", None) is not None else None
    if split is not None:
        import dataclasses

        from workbench.core.inspection.events import ProbeOptions

        options = dataclasses.replace(
            options or ProbeOptions(), split=split, n=len(indices or []) or 4
        )
    panel.status.setText(f"Loading {run_dir} …")

    def done(events: list) -> None:
        panel.reset()
        for event in events:
            panel.on_probe(event)
        panel.status.setText(f"{panel.status.text()} · from the checkpoint of {run_dir}")
        if on_done is not None:
            on_done(events)

    def failed(info: Any) -> None:
        panel.status.setText(f"Cannot inspect that run: {info.message}")
        if on_error is not None:
            on_error(info)

    job = run_in_thread(
        lambda: inspect_run(run_dir, options, indices), done, failed, "workbench-inspect-run", panel
    )
    panel._load_job = job  # kept: the panel's shutdown waits for it
    return job
