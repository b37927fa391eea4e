"""Where the app keeps its preferences (window geometry, last folder, recent files).

``WORKBENCH_SETTINGS_DIR`` (set by the tests) puts them in an INI file in that folder, so a test
run never touches the user's own settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10


def app_settings() -> QSettings:
    folder = os.environ.get("WORKBENCH_SETTINGS_DIR")
    if folder:
        return QSettings(str(Path(folder) / "workbench.ini"), QSettings.Format.IniFormat)
    return QSettings("SequenceWorkbench", "Sequence Workbench")


def recent_files() -> list[str]:
    value = app_settings().value("recent_files", [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-item list
        value = [value]
    return [str(v) for v in value or [] if v]


def add_recent_file(path: str | os.PathLike) -> list[str]:
    text = str(Path(path).resolve())
    files = [text] + [f for f in recent_files() if f != text]
    files = files[:MAX_RECENT]
    settings = app_settings()
    settings.setValue("recent_files", files)
    settings.setValue("last_folder", str(Path(text).parent))
    return files


def remove_recent_file(path: str | os.PathLike) -> list[str]:
    text = str(Path(path).resolve())
    files = [f for f in recent_files() if f not in (text, str(path))]
    app_settings().setValue("recent_files", files)
    return files


def last_folder() -> str:
    return str(app_settings().value("last_folder", "") or Path.home())


def set_last_folder(path: str | os.PathLike) -> None:
    path = Path(path)
    app_settings().setValue("last_folder", str(path if path.is_dir() else path.parent))


def follow_training() -> bool:
    """Whether Train started from another tab switches to the live plots (default: yes)."""
    value = app_settings().value("follow_training", True)
    return value not in (False, "false", "0", 0)


def set_follow_training(on: bool) -> None:
    app_settings().setValue("follow_training", bool(on))
