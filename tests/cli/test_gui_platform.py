"""Issue 15 item 14: a missing Qt platform library is one line naming the package, not a Qt abort."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

from workbench.commands import gui as gui_command
from workbench.core.errors import WorkbenchError


def test_missing_xcb_library_names_the_package(monkeypatch):
    def fail(path, *args, **kwargs):
        raise OSError(
            "libxcb-cursor.so.0: cannot open shared object file: No such file or directory"
        )

    monkeypatch.setattr(gui_command, "_xcb_plugin", lambda: "/qt/plugins/platforms/libqxcb.so")
    monkeypatch.setattr(ctypes, "CDLL", fail)
    with pytest.raises(WorkbenchError) as caught:
        gui_command.check_platform_plugin({"DISPLAY": ":0"}, "linux")
    text = caught.value.one_line()
    assert "libxcb-cursor.so.0" in text and "libxcb-cursor0" in text
    assert "\n" not in text
    # Wayland, offscreen and other systems are left to Qt
    gui_command.check_platform_plugin({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    gui_command.check_platform_plugin({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    gui_command.check_platform_plugin({"DISPLAY": ":0"}, "darwin")


def test_package_names_follow_debian_naming():
    assert gui_command.package_for("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert gui_command.package_for("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert gui_command.package_for("libfoo.so.3") == "libfoo3"
    assert gui_command.package_for("libbar2.so.1") == "libbar2-1"


def test_a_real_missing_library_gives_one_error_line():
    """Where Qt's X11 plugin cannot load here, `workbench` says which package is missing."""
    plugin = gui_command._xcb_plugin()
    if not sys.platform.startswith("linux") or plugin is None:
        pytest.skip("Linux with PySide6's X11 plugin only")
    try:
        ctypes.CDLL(str(plugin))
    except OSError:
        pass
    else:
        pytest.skip("the X11 plugin loads on this machine: nothing is missing")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"
    result = subprocess.run(
        [sys.executable, "-m", "workbench"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: the window cannot open: Qt's X11 support needs lib")
    assert "sudo apt install" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
