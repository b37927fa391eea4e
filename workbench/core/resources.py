"""Where the shipped resources (example projects, small datasets) live."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the package in a checkout or editable install,
    or inside it (``workbench/resources``) in a built wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "resources", package / "resources"):
        if (candidate / "examples").is_dir():
            return candidate
    raise FileNotFoundError("the workbench's resources folder is missing from this installation")


def examples_dir() -> Path:
    return resources_dir() / "examples"


def data_dir() -> Path:
    return resources_dir() / "data"
