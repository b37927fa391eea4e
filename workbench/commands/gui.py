"""`workbench gui [PROJECT]` (also plain `workbench`): open the desktop app."""

from __future__ import annotations

import os
import re
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


#: Libraries Qt's X11 plugin loads → the Debian/Ubuntu package that has them.
_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libX11-xcb.so.1": "libx11-xcb1",
}
_MISSING = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")


def package_for(library: str) -> str:
    """The Debian/Ubuntu package of a shared library (by its usual naming when not listed)."""
    if library in _PACKAGES:
        return _PACKAGES[library]
    stem, _, version = library.partition(".so")
    name = stem.lower().replace("_", "-")
    version = version.strip(".").split(".")[0]
    return f"{name}{'-' if name[-1:].isdigit() else ''}{version}" if version else name


def check_platform_plugin(
    environ: dict[str, str] | None = None, platform: str = sys.platform
) -> None:
    """Qt aborts with a page about plugins when its X11 plugin misses a system library; load
    the plugin first and name the package to install instead (Linux, X11 only)."""
    env = os.environ if environ is None else environ
    wanted = env.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or wanted not in ("", "xcb"):
        return
    if not wanted and env.get("WAYLAND_DISPLAY"):
        return  # Qt tries Wayland first there
    plugin = _xcb_plugin()
    if plugin is None:
        return
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        match = _MISSING.search(str(exc))
        if match is None:
            return  # not a missing library: let Qt say what it is
        from workbench.core.errors import WorkbenchError

        library = match.group(1)
        raise WorkbenchError(
            f"the window cannot open: Qt's X11 support needs {library}, which is not installed",
            f"install the package {package_for(library)} (Debian/Ubuntu: "
            f"sudo apt install {package_for(library)}), or use the headless commands",
        ) from None


def _xcb_plugin():
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def run(args) -> int:
    check_display()
    check_platform_plugin()
    from workbench.gui.app import main

    return main(args.project)
