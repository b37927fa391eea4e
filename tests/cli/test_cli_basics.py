"""The command-line contract: --version, examples, summary, and user errors (exit 2, one line)."""

import json
import subprocess
import sys

from workbench import __version__
from workbench.core.spec.project_file import list_examples


def workbench(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_version():
    result = workbench("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"workbench {__version__}"


def test_examples_lists_every_example_with_its_description():
    result = workbench("examples")
    assert result.returncode == 0
    for example in list_examples():
        assert example.name in result.stdout
        assert example.description in result.stdout
    assert "seed-lstm" in result.stdout


def test_summary_table_and_json_agree_with_the_built_module():
    import torch  # noqa: F401  (the built module is the reference)

    from workbench.core.models import build_model
    from workbench.core.spec.project_file import load_project

    spec, _ = load_project("example:seed-lstm")
    expected = sum(p.numel() for p in build_model(spec.model).parameters())
    text = workbench("summary", "example:seed-lstm")
    assert text.returncode == 0
    assert f"Total params: {expected:,}" in text.stdout
    assert "(B, T, 64)" in text.stdout and "(B, 10)" in text.stdout
    result = workbench("summary", "example:seed-lstm", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["total_params"] == expected
    assert sum(layer["params"] for layer in data["layers"]) == expected
    assert data["flops_per_step"] > 0 and data["activation_bytes_per_sample_step"] > 0


def test_bad_project_file_gives_one_error_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"model": {"layers": [{"type": "lstm", "hidden_size": 0}]}, "oops": 1})
    )
    result = workbench("summary", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "model.layers[0].hidden_size: must be ≥ 1 (got 0)" in lines[0]
    assert "oops: unknown field" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_file_unknown_example_and_bad_option_exit_2(tmp_path):
    for args in (
        ["summary", str(tmp_path / "missing.json")],
        ["summary", "example:no-such-example"],
        ["summary", str(tmp_path)],
        ["summary", "example:seed-lstm", "--bogus"],
    ):
        result = workbench(*args)
        assert result.returncode == 2, args
        assert result.stderr.startswith("error: "), args
        assert len(result.stderr.strip().splitlines()) == 1, args


def test_gui_without_a_display_says_so_instead_of_aborting():
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "workbench"], capture_output=True, text=True, timeout=60, env=env
    )
    if not sys.platform.startswith("linux"):
        return
    assert result.returncode == 2
    assert result.stderr.startswith("error: no display to open the window on")
    assert len(result.stderr.strip().splitlines()) == 1


def test_display_check_lets_real_and_offscreen_screens_through():
    from workbench.commands.gui import check_display

    check_display({"DISPLAY": ":0"}, "linux")
    check_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    check_display({}, "darwin")
