"""The ``workbench`` command: the GUI by default, subcommands for headless work.

Each subcommand lives in ``workbench/commands/<name>.py`` with ``add_parser(subparsers)`` and
``run(args) -> int``; modules are imported only when their command runs, so ``--version`` and
the GUI start fast.

The contract scripts rely on (README, "Command line"):

- exit codes: ``EXIT_OK`` 0 completed, ``EXIT_USER`` 2 a user error, ``EXIT_INTERNAL`` 1 a bug,
  ``EXIT_STOPPED`` 130 a run stopped by the user (Ctrl-C; it keeps its checkpoint);
- without ``--json`` a failure is exactly one ``error: …`` line on stderr (hint included);
- with ``--json`` stdout holds exactly one JSON object, also on failure
  (``{"status": "error", "error": …, "hint": …, "exit_code": …}``).
"""

from __future__ import annotations

import argparse
import importlib
import json
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


EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USER = 2
#: A run stopped by the user (Ctrl-C): 128 + SIGINT, what shells report for an interrupt.
EXIT_STOPPED = 130


class UsageError(Exception):
    """A bad command line (raised by the parser, reported by ``main``)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option through ``main``'s one-error contract (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def report_failure(message: str, hint: str, code: int, as_json: bool) -> int:
    """The one ``error: …`` line (and with ``--json`` the one JSON object); returns ``code``."""
    line = " ".join(f"{message} ({hint})".split()) if hint else " ".join(message.split())
    sys.stderr.write(f"error: {line}\n")
    if as_json:
        record = {"status": "error", "error": message, "hint": hint, "exit_code": code}
        print(json.dumps(record))
    return code


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
    as_json = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            args = build_parser().parse_args(["gui"])
    except UsageError as exc:
        return report_failure(str(exc), "", EXIT_USER, as_json)
    as_json = bool(getattr(args, "json", False))
    from workbench.core.errors import WorkbenchError

    try:
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        return report_failure(exc.message, exc.hint, EXIT_USER, as_json)
    except KeyboardInterrupt:
        message = "interrupted; a training run keeps its last checkpoint"
        return report_failure(message, "", EXIT_STOPPED, as_json)
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:  # e.g. a pathologically nested file that slipped past a check
        return report_failure("input nested too deeply to process", "", EXIT_USER, as_json)
    except MemoryError:
        return report_failure(
            "out of memory", "use smaller data or model sizes", EXIT_USER, as_json
        )
    except Exception as exc:  # a bug: say so plainly, with the traceback for the report
        if as_json:
            print(json.dumps(_internal(exc)))
        sys.stderr.write("internal error (please report it with the lines below):\n")
        traceback.print_exc()
        return EXIT_INTERNAL


def _internal(exc: Exception) -> dict:
    message = f"internal error: {type(exc).__name__}: {exc}"
    return {"status": "error", "error": message, "hint": "", "exit_code": EXIT_INTERNAL}


if __name__ == "__main__":
    raise SystemExit(main())
