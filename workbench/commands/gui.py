"""`workbench gui [PROJECT]` (also plain `workbench`): open the desktop app."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("project", nargs="?", help="project file or example:NAME to open")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.gui.app import main

    return main(args.project)
