"""`workbench data inspect` in a subprocess: output, --json, and one `error:` line on bad files."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "data", "inspect", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_inspect_shipped_csv_as_text_and_json():
    text = _run("resource:airline-passengers.csv", "--window", "12")
    assert text.returncode == 0, text.stderr
    assert "wide_csv" in text.stdout and "144 steps" in text.stdout and "1949-01" in text.stdout
    info = _json(_run("resource:airline-passengers.csv", "--window", "12", "--json"))
    assert info["task"] == "forecasting" and info["series_length"] == 144
    # every val/test month is a target (inputs reach back into the months before)
    assert info["split_sizes"] == {"train": 88, "val": 22, "test": 22}
    assert info["target_names"] == ["Passengers"]


def test_inspect_long_csv_options(tmp_path):
    path = tmp_path / "long.tsv"
    path.write_text(
        "seq\tstep\tv\tlab\n"
        + "".join(f"s{i % 5}\t{i}\t{i * 0.5}\t{'ab'[i % 5 % 2]}\n" for i in range(40))
    )
    info = _json(
        _run(
            str(path),
            "--format",
            "long_csv",
            "--id-column",
            "seq",
            "--time-column",
            "step",
            "--targets",
            "lab",
            "--val",
            "0.2",
            "--test",
            "0.2",
            "--json",
        )
    )
    assert info["format"] == "long_csv" and info["n_sequences"] == 5
    assert info["length_min"] == info["length_max"] == 8
    assert info["class_counts"] == {"a": 3, "b": 2}
    assert info["split_sizes"] == {"train": 3, "val": 1, "test": 1}
    assert info["feature_names"] == ["v"]


def test_inspect_numpy_text_ts_and_builtin(tmp_path):
    np.savez(tmp_path / "d.npz", inputs=np.zeros((9, 4, 2)), y=np.arange(9) % 3)
    info = _json(_run(str(tmp_path / "d.npz"), "--x-key", "inputs", "--json"))
    assert info["n_features"] == 2 and info["class_counts"] == {"0": 3, "1": 3, "2": 3}
    (tmp_path / "c.txt").write_text("hello world\n" * 50)
    info = _json(_run(str(tmp_path / "c.txt"), "--level", "word", "--json"))
    assert info["task"] == "language_model" and info["vocab_size"] == 4  # <unk> hello world \n
    (tmp_path / "x.ts").write_text("@classLabel true a b\n@data\n1,2,3:a\n4,5:b\n6:a\n")
    info = _json(_run(str(tmp_path / "x.ts"), "--normalize", "none", "--json"))
    assert (info["length_min"], info["length_max"]) == (1, 3)
    info = _json(
        _run("builtin:adding", "--param", "length=30", "--param", "n_samples=100", "--json")
    )
    assert info["task"] == "regression" and info["length_max"] == 30 and info["n_sequences"] == 100


@pytest.mark.parametrize(
    ("content", "args", "fragment"),
    [
        (b"", (), "empty"),
        (b"a,b\n1,2\n3,x\n", ("--window", "1"), "line 3, column 'b'"),
        (b"a,b\n1,2\n3\n", ("--window", "1"), "line 3 has 1 fields"),
        (b"a,b\n1,2\n\xff,3\n", (), "not UTF-8"),
    ],
)
def test_bad_files_give_one_error_line_and_exit_2(tmp_path, content, args, fragment):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = _run(str(path), *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "bad.csv" in lines[0]
    assert fragment in lines[0] and "Traceback" not in result.stderr


def test_missing_file_and_bad_option(tmp_path):
    result = _run(str(tmp_path / "nope.csv"))
    assert (
        result.returncode == 2
        and result.stderr.startswith("error: ")
        and "no such file" in result.stderr
    )
    result = _run("builtin:seed", "--val", "0.6", "--test", "0.5")
    assert result.returncode == 2 and "validation + test fractions" in result.stderr
    result = _run("builtin:seed", "--window", "many")
    assert result.returncode == 2 and result.stderr.startswith("error: ")


def test_inspect_needs_no_torch():
    code = (
        "import sys\n"
        "from workbench.core.data import inspect_data\n"
        "from workbench.core.spec.project import DataSpec\n"
        "s = inspect_data(DataSpec(source='resource:airline-passengers.csv', task='forecasting'))\n"
        "assert s.series.shape[0] == 144\n"
        "assert 'torch' not in sys.modules, 'inspect imported torch'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
