"""`workbench gui [PROJECT]` (also plain `workbench`): open the desktop app."""

from __future__ import annotations

import os
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("project", nargs="?", help="project file or example:NAME to open")
    p.set_defaults(run=run)


def check_display(environ: dict[str, str] | None = None, platform: str = sys.platform) -> None:
    """On Linux without a screen Qt aborts the process with a plugin message; say it plainly."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return
    from workbench.core.errors import WorkbenchError

    raise WorkbenchError(
        "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)",
        "run it on a desktop session, over `ssh -X`, under `xvfb-run workbench`, "
        "or use the headless commands, e.g. `workbench train example:seed-lstm`",
    )


def run(args) -> int:
    check_display()
    from workbench.gui.app import main

    return main(args.project)
