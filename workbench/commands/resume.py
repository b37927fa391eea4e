"""`workbench resume` — being built (see the open issues)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("resume", help="(resume: in progress)")
    p.add_argument("rest", nargs="*")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.errors import WorkbenchError

    raise WorkbenchError("`workbench resume` is not available in this build yet")
