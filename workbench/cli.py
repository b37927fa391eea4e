"""The ``workbench`` command: the GUI by default, subcommands for headless work.

Each subcommand lives in ``workbench/commands/<name>.py`` with ``add_parser(subparsers)`` and
``run(args) -> int``; modules are imported only when their command runs, so ``--version`` and
the GUI start fast. Exit codes: 0 success, 2 user error (one ``error: …`` line), 1 a bug.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from workbench import __version__

COMMANDS = (
    "gui",
    "examples",
    "summary",
    "data",
    "train",
    "resume",
    "predict",
    "evaluate",
    "export",
    "report",
    "runs",
    "sweep",
    "schema",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as one ``error: …`` line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="Sequence Workbench: build, train and look inside RNN / LSTM / GRU models.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"workbench.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        # `workbench` alone, or `workbench PROJECT`, opens the GUI.
        argv = ["gui", *argv]
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["gui"])
    from workbench.core.errors import WorkbenchError

    try:
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # a bug: say so plainly, with the traceback for the report
        sys.stderr.write("internal error (please report it with the lines below):\n")
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
