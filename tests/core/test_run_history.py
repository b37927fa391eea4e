"""The run store's reader against its writer: the versioned metrics-log format."""

from __future__ import annotations

import json

import numpy as np

from workbench.core import run_history
from workbench.core.runs import LOG_FORMAT_VERSION, MetricsLog, read_metrics, record_prefix


def _write_log(path) -> None:
    log = MetricsLog(path)
    log.write({"type": "start", "step": 0, "epoch": 0, "device": "cpu", "steps_per_epoch": 2})
    log.write_step(1, 1, 0.9, 1e-3, float("nan"))
    log.write_step(2, 1, 0.7, 1e-3, 1.5)
    # a metric named "epoch…" and a key order that does not start with type: still an epoch line
    log.write({"epoch": 1, "type": "epoch", "step": 2, "val_loss": 0.5, "val_accuracy": 0.75})
    log.write({"type": "note", "step": 2, "message": 'text with "type": "epoch" inside'})
    log.close()


def test_every_line_starts_with_its_type_and_a_new_log_says_its_version(tmp_path):
    path = tmp_path / "metrics.jsonl"
    _write_log(path)
    lines = path.read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    assert first == {"type": "format", "version": LOG_FORMAT_VERSION}
    for line in lines:
        kind = json.loads(line)["type"]
        assert line.startswith(record_prefix(kind))
    # reopening (a resumed run) appends without a second format line
    MetricsLog(path).close()
    assert len(read_metrics(path, "format")) == 1


def test_reader_reads_epochs_skips_a_half_line_and_reads_old_logs(tmp_path):
    path = tmp_path / "metrics.jsonl"
    _write_log(path)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"type": "epoch", "epoch": 2, "val_lo')  # the writer is mid-line
    assert run_history.epoch_records(path) == [{"val_loss": 0.5, "val_accuracy": 0.75}]
    # a log from before the format line existed
    old = tmp_path / "old.jsonl"
    old.write_text('{"type": "epoch", "epoch": 1, "step": 3, "train_loss": 1.25}\n')
    assert run_history.epoch_records(old) == [{"train_loss": 1.25}]


def test_load_run_curves_gives_arrays(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    _write_log(run / "metrics.jsonl")
    steps, epochs = run_history.load_run_curves(run)
    assert steps["step"].tolist() == [1.0, 2.0]
    assert steps["loss"].tolist() == [0.9, 0.7]
    assert np.isnan(steps["grad_norm"][0]) and steps["grad_norm"][1] == 1.5
    assert epochs["epoch"].tolist() == [1.0] and epochs["val_accuracy"].tolist() == [0.75]
