"""`workbench predict FILE` reads CSV files in chunks: the same bytes out as a whole-file read
(series history carried across chunk boundaries, sequences kept whole), files that cannot be
chunked read whole, and files without the label / target columns predicted (not evaluated)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from workbench.cli import main
from workbench.core.serving import output
from workbench.core.serving.inputs import from_file
from workbench.core.serving.loaded import load_run
from workbench.core.serving.predict import predict
from workbench.core.serving.stream import predict_file


def _whole(run, path, out):
    """The whole-file path: one read, one Inputs, predicted in batches of 256."""
    inputs = from_file(run, path)
    output.write(out, predict(run, inputs), inputs, run.pre.vocab)
    return out.read_bytes()


def _chunked(run, path, out, chunk_rows):
    with output.Writer(out, run.pre.vocab) as writer:
        _, notes = predict_file(run, path, writer, chunk_rows=chunk_rows)
        writer.commit()
    return out.read_bytes(), notes


def _with_gaps(src, dst, rows):
    lines = src.read_text().splitlines()
    for r in rows:  # blank the value cell of data row r
        lines[r + 1] = lines[r + 1].split(",")[0] + ","
    dst.write_text("\n".join(lines) + "\n")
    return dst


@pytest.mark.parametrize("chunk_rows", [5, 13])
def test_forecast_chunked_equals_whole(runs, tmp_path, chunk_rows):
    """Window history (12 rows), horizon targets and a log+difference transform's extra row
    of history cross chunk boundaries; 'interpolate' gaps that span a boundary too."""
    for name in ("gru", "logdiff"):
        run = load_run(runs[name])
        data = runs["folder"] / "airline.csv"
        whole = _whole(run, data, tmp_path / "whole.csv")
        chunked, notes = _chunked(run, data, tmp_path / "chunked.csv", chunk_rows)
        assert chunked == whole and not any("read whole" in n for n in notes)
        assert len(whole.splitlines()) > 100
    run = load_run(runs["gru"])
    run.spec.data.missing = "interpolate"
    gappy = _with_gaps(runs["folder"] / "airline.csv", tmp_path / "gaps.csv", [3, 24, 25, 26, 60])
    for suffix in (".csv", ".npy"):
        whole = _whole(run, gappy, tmp_path / f"whole{suffix}")
        assert _chunked(run, gappy, tmp_path / f"chunked{suffix}", chunk_rows)[0] == whole


def test_sequences_chunked_equal_whole(runs, tmp_path):
    """A long CSV: a sequence split by a chunk boundary waits for its other rows; unidirectional
    and bidirectional (packed) models give the same bytes; the .npy too."""
    data = runs["folder"] / "seqs.csv"
    for name, suffixes in (("lstm", (".csv", ".npy", ".jsonl")), ("bidir", (".csv",))):
        run = load_run(runs[name])
        for suffix in suffixes:
            whole = _whole(run, data, tmp_path / f"whole{suffix}")
            chunked, notes = _chunked(run, data, tmp_path / f"chunked{suffix}", 7)
            assert chunked == whole and notes == []
    rows = list(csv.DictReader((tmp_path / "whole.csv").open()))
    assert len(rows) == 48 and all(r["true"] in ("low", "high") for r in rows)


def test_tagging_chunked_equals_whole(runs, tmp_path):
    """Per-step outputs: batches as wide as their longest sequence, joined under one header."""
    run = load_run(runs["tagger"])
    data = runs["folder"] / "tags.csv"
    for suffix in (".csv", ".npy"):
        whole = _whole(run, data, tmp_path / f"whole{suffix}")
        assert _chunked(run, data, tmp_path / f"chunked{suffix}", 11)[0] == whole
    proba = np.load(tmp_path / "whole.npy")
    assert proba.shape[0] == 30 and np.allclose(proba.sum(-1), 1.0)


def test_files_that_cannot_be_chunked_are_read_whole(runs, tmp_path):
    """Rows out of time order (wide) or interleaved sequences (long): same result, one note."""
    lines = (runs["folder"] / "airline.csv").read_text().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    body = lines[1:]
    body[40], body[41] = body[41], body[40]
    shuffled.write_text("\n".join([lines[0], *body]) + "\n")
    run = load_run(runs["gru"])
    sorted_out = _whole(run, runs["folder"] / "airline.csv", tmp_path / "sorted.csv")
    chunked, notes = _chunked(run, shuffled, tmp_path / "chunked.csv", 16)
    assert chunked == sorted_out and "not in time order" in notes[0]
    seqs = (runs["folder"] / "seqs.csv").read_text().splitlines()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join([seqs[0], *seqs[1:4], *seqs[10:12], *seqs[4:10], *seqs[12:]]))
    run = load_run(runs["lstm"])
    chunked, notes = _chunked(run, mixed, tmp_path / "chunked.csv", 5)
    assert chunked == _whole(run, mixed, tmp_path / "whole.csv")
    assert "not together" in notes[0]


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_a_file_without_labels_is_predicted_not_evaluated(runs, tmp_path, capsys):
    lines = (runs["folder"] / "seqs.csv").read_text().splitlines()
    unlabelled = tmp_path / "new.csv"
    unlabelled.write_text("\n".join(ln.rsplit(",", 1)[0] for ln in lines) + "\n")
    out = tmp_path / "p.csv"
    run = runs["lstm"]
    assert main(["predict", str(run), str(unlabelled), "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["n"] == 48
    got = list(csv.DictReader(out.open()))
    assert "true" not in got[0] and len(got) == 48
    labelled = tmp_path / "l.csv"
    assert (
        main(["predict", str(run), str(runs["folder"] / "seqs.csv"), "--out", str(labelled)]) == 0
    )
    assert [r["p_high"] for r in got] == [r["p_high"] for r in csv.DictReader(labelled.open())]
    capsys.readouterr()
    assert main(["evaluate", str(run), str(unlabelled)]) == 2
    message = _error(capsys)
    assert "no labels" in message and "'label'" in message
    # a forecaster reads its target's past: without the column the features differ
    airline = (runs["folder"] / "airline.csv").read_text().splitlines()
    months = tmp_path / "months.csv"
    months.write_text("\n".join(ln.split(",")[0] + ",1" for ln in airline) + "\n")
    assert main(["predict", str(runs["gru"]), str(months)]) == 2
    assert "feature" in _error(capsys)
