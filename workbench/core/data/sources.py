"""Where data comes from: a file path, ``builtin:NAME`` or ``resource:FILE``; and its format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import DataError
from workbench.core.files import check_regular, inside
from workbench.core.resources import data_dir

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec

BUILTIN_PREFIX = "builtin:"
RESOURCE_PREFIX = "resource:"
_PAIR = re.compile(r"^(?P<stem>.*)_(?P<part>TRAIN|TEST)(?P<ext>\.(ts|tsv|txt|csv))$", re.IGNORECASE)

_BY_EXTENSION = {
    ".csv": "wide_csv",
    ".tsv": "wide_csv",
    ".tab": "wide_csv",
    ".npy": "numpy",
    ".npz": "numpy",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".ts": "ts",
}


@dataclass(frozen=True)
class Source:
    label: str  # how messages name it: the path as given, or builtin:NAME
    path: Path | None  # None for built-in generators
    builtin: str | None = None


def resolve(ref: str, base_dir: Path | None) -> Source:
    ref = ref.strip()
    if ref.startswith(BUILTIN_PREFIX):
        return Source(ref, None, ref[len(BUILTIN_PREFIX) :])
    if ref.startswith(RESOURCE_PREFIX):
        name = ref[len(RESOURCE_PREFIX) :]
        path = inside(data_dir(), name, ref, DataError)
        if not path.is_file():
            shipped = sorted(
                p.name for p in data_dir().iterdir() if p.is_file() and p.suffix != ".md"
            )
            raise DataError(f"{ref}: no such shipped dataset", f"shipped: {', '.join(shipped)}")
        return Source(ref, path)
    path = Path(ref).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    check_file(path, ref)
    return Source(ref if Path(ref).is_absolute() else str(path), path)


def check_file(path: Path, label: str) -> None:
    """A readable regular file (a FIFO or device would block or never end), or a DataError."""
    check_regular(
        path, label, DataError, "check the path (relative paths start at the project file)"
    )


def detect_format(spec: DataSpec, source: Source) -> str:
    if source.builtin is not None:
        return "builtin"
    if spec.format not in ("auto", "builtin"):
        return spec.format
    assert source.path is not None
    name = source.path.name
    suffix = source.path.suffix.lower()
    if suffix in (".csv", ".tsv", ".tab", ".txt") and spec.id_column:
        return "long_csv"
    if suffix == ".tsv" and _PAIR.match(name):
        return "ucr_tsv"
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    if suffix == ".arff":
        raise DataError(
            f"{source.label}: ARFF is not read; the archive ships the same data as .ts",
            "use the .ts file beside it (e.g. NAME_TRAIN.ts)",
        )
    raise DataError(
        f"{source.label}: cannot tell the format from the extension {suffix or '(none)'!r}",
        "set the format (wide_csv, long_csv, numpy, text, ts, ucr_tsv)",
    )


def test_partner(spec: DataSpec, source: Source, base_dir: Path | None) -> Path | None:
    """The file with the test part: ``spec.test_source``, or the _TEST beside a _TRAIN file."""
    if spec.test_source:
        return resolve(spec.test_source, base_dir).path
    if source.path is None:
        return None
    m = _PAIR.match(source.path.name)
    if not m or m["part"].upper() != "TRAIN":
        return None
    for part in ("TEST", "test", "Test"):
        candidate = source.path.with_name(f"{m['stem']}_{part}{m['ext']}")
        if candidate.is_file():
            return candidate
    return None
