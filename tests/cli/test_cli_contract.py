"""The command line's contract: one `error: …` line (or, with --json, one JSON object on
stdout as well) for every failure, and exit codes 0 / 2 / 1 / 130."""

from __future__ import annotations

import json

import pytest

from workbench import cli
from workbench.cli import main


def run(argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def one_json_object(out: str) -> dict:
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    record = json.loads(lines[0])
    assert isinstance(record, dict)
    return record


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "no/such.json", "--json"],
        ["train", "example:nope", "--json"],
        ["train", "example:seed-lstm", "--epochs", "0", "--json"],  # the parser's own error
        ["summary", "no/such.json", "--json"],
        ["resume", "no/such/run", "--json"],
        ["data", "inspect", "no/such.csv", "--json"],
    ],
)
def test_json_failures_print_one_object(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == cli.EXIT_USER
    line = one_error_line(err)
    record = one_json_object(out)
    assert record["status"] == "error" and record["exit_code"] == 2
    assert record["error"] and record["error"] in line


def test_a_run_failing_while_it_prepares_says_so_once(tmp_path, capsys):
    project = tmp_path / "p.json"
    project.write_text(
        json.dumps(
            {
                "name": "missing-data",
                "data": {"source": "gone.csv"},
                "model": {"layers": [{"type": "lstm", "hidden_size": 4}]},
            }
        )
    )
    code, out, err = run(["train", str(project), "--run-dir", str(tmp_path / "r")], capsys)
    assert code == cli.EXIT_USER
    assert "gone.csv" in one_error_line(err)


def test_an_internal_error_is_exit_1_with_a_json_object(monkeypatch, capsys):
    import workbench.commands.examples as examples

    def broken(args):
        raise ValueError("a bug")

    monkeypatch.setattr(examples, "run", broken)
    parser = cli.build_parser
    monkeypatch.setattr(
        cli,
        "build_parser",
        lambda: _with(parser(), "examples", broken),
    )
    code, out, err = run(["examples", "--json"], capsys)
    assert code == cli.EXIT_INTERNAL
    record = json.loads(out.strip().splitlines()[-1])
    assert record["exit_code"] == 1 and "ValueError: a bug" in record["error"]
    assert "internal error" in err


def _with(parser, name, fn):
    sub = next(a for a in parser._actions if a.dest == "command")
    sub.choices[name].set_defaults(run=fn)
    if not any(a.dest == "json" for a in sub.choices[name]._actions):
        sub.choices[name].add_argument("--json", action="store_true")
    return parser


def test_exit_codes_are_documented():
    from pathlib import Path

    readme = (Path(cli.__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "130" in readme and "stopped by the user" in readme
