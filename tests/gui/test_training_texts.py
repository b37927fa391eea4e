"""The training tab's one-line summary of a finished run."""

from __future__ import annotations

from types import SimpleNamespace

from workbench.gui.panels.training_support import final_text


def test_a_baseline_is_shown_next_to_its_metric_not_as_a_metric_of_its_own():
    metrics = {
        "train_loss": 0.565,
        "val_loss": 0.4507,
        "val_accuracy": 0.8756,
        "val_baseline_accuracy": 0.09333,
        "test_accuracy": 0.86,
        "test_baseline_accuracy": 0.0,
        "lr": 0.001,
    }
    text = final_text("completed", SimpleNamespace(metrics=metrics), None)
    assert text == (
        "Completed — train_loss 0.565, val_loss 0.4507, val_accuracy 0.8756 (baseline 0.09333), "
        "test_accuracy 0.86 (baseline 0)"
    )


def test_a_failed_run_says_why():
    error = SimpleNamespace(message="out of memory")
    assert final_text("failed", None, error) == "Failed: out of memory"
