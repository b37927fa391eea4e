"""UCR/UEA ``.ts`` files (the time-series classification archives' format, as read by sktime
and aeon): ``@`` header lines, then ``@data`` with one case per line, dimensions separated by
``:`` and the class label (or regression target) last. Univariate or multivariate, equal or
unequal length, ``?`` for missing values, optional ``(time,value)`` timestamps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.finite import check_cell
from workbench.core.data.raw import Preview, RawSequences
from workbench.core.data.text import decode_utf8
from workbench.core.errors import DataError

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec

_BOOL = {"true": True, "false": False}
_TUPLE = re.compile(r"\(([^()]*)\)")
_HINT = "see the .ts format of the UCR/UEA archives (sktime / aeon)"


@dataclass
class _Header:
    values: dict[str, str] = field(default_factory=dict)
    class_labels: list[str] | None = None
    has_class: bool = False
    has_target: bool = False


def _flag(header: _Header, key: str, line: int, where: str) -> bool | None:
    text = header.values.get(key)
    if text is None:
        return None
    if text.lower() not in _BOOL:
        raise DataError(f"{where}: line {line}: @{key} must be true or false (got {text!r})", _HINT)
    return _BOOL[text.lower()]


def _parse_header(lines: list[str], where: str) -> tuple[_Header, int]:
    header = _Header()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not text.startswith("@"):
            raise DataError(f"{where}: line {number}: data before the @data line", _HINT)
        parts = text[1:].split()
        if not parts or not parts[0]:
            raise DataError(f"{where}: line {number}: empty @ tag", _HINT)
        key = parts[0].lower()
        if key == "data":
            if len(parts) > 1:
                raise DataError(f"{where}: line {number}: text after @data", _HINT)
            return header, number
        rest = parts[1:]
        if key == "classlabel":
            if not rest or rest[0].lower() not in _BOOL:
                raise DataError(
                    f"{where}: line {number}: @classLabel must be 'true LABELS…' or 'false'", _HINT
                )
            header.has_class = _BOOL[rest[0].lower()]
            if header.has_class:
                if len(rest) < 2:
                    raise DataError(
                        f"{where}: line {number}: @classLabel true lists no class labels", _HINT
                    )
                header.class_labels = rest[1:]
            continue
        if key == "targetlabel":
            if len(rest) != 1 or rest[0].lower() not in _BOOL:
                raise DataError(
                    f"{where}: line {number}: @targetLabel must be true or false", _HINT
                )
            header.has_target = _BOOL[rest[0].lower()]
            continue
        if key in (
            "problemname",
            "timestamps",
            "missing",
            "univariate",
            "equallength",
            "serieslength",
            "dimensions",
            "dimension",
        ):
            if len(rest) < 1 or (key != "problemname" and len(rest) != 1):
                raise DataError(f"{where}: line {number}: @{parts[0]} needs one value", _HINT)
            header.values[key] = " ".join(rest)
            for flag in ("timestamps", "missing", "univariate", "equallength"):
                if key == flag:
                    _flag(header, key, number, where)
            if key in ("serieslength", "dimensions", "dimension") and not rest[0].isdigit():
                raise DataError(
                    f"{where}: line {number}: @{parts[0]} must be a whole number (got {rest[0]!r})",
                    _HINT,
                )
            continue
        raise DataError(f"{where}: line {number}: unknown header tag @{parts[0]}", _HINT)
    raise DataError(f"{where}: no @data line", _HINT)


def _values(text: str, timestamps: bool, number: int, dim: int, where: str) -> list[float]:
    text = text.strip()
    if not text:
        return []
    cells = (
        [m.group(1).rsplit(",", 1)[-1] for m in _TUPLE.finditer(text)]
        if timestamps
        else text.split(",")
    )
    out = []
    for k, cell in enumerate(cells):
        c = cell.strip()
        if c in ("?", "") or c.lower() == "nan":
            out.append(float("nan"))
            continue
        try:
            value = float(c)
        except ValueError:
            raise DataError(
                f"{where}: line {number}, dimension {dim + 1}, value {k + 1}: {c!r} is not a number",
                _HINT,
            ) from None
        check_cell(value, c, where, f"line {number}, dimension {dim + 1}, value {k + 1}")
        out.append(value)
    return out


def _split_dims(line: str) -> list[str]:
    """Split on ':' outside parentheses (timestamps such as 12:00:00 hold colons)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == ":" and depth == 0:
            parts.append(line[start:i])
            start = i + 1
    parts.append(line[start:])
    return parts


def parse_ts(text: str, where: str) -> RawSequences:
    lines = text.split("\n")
    header, data_line = _parse_header(lines, where)
    timestamps = bool(_flag(header, "timestamps", 0, where))
    univariate = _flag(header, "univariate", 0, where)
    equal = _flag(header, "equallength", 0, where)
    declared_len = int(header.values["serieslength"]) if "serieslength" in header.values else None
    labelled = header.has_class or header.has_target
    cases: list[list[list[float]]] = []
    labels: list[str] = []
    origins: list[str] = []
    n_dims = None
    for number in range(data_line + 1, len(lines) + 1):
        text_line = lines[number - 1].strip()
        if not text_line or text_line.startswith("#"):
            continue
        parts = _split_dims(text_line) if timestamps else text_line.split(":")
        if labelled:
            if len(parts) < 2:
                raise DataError(
                    f"{where}: line {number}: no ':LABEL' at the end of the case", _HINT
                )
            labels.append(parts[-1].strip())
            parts = parts[:-1]
        if n_dims is None:
            n_dims = len(parts)
            if univariate and n_dims == 2 and not labelled:
                raise DataError(
                    f"{where}: line {number}: the case ends in ':{parts[-1].strip()}' but the "
                    "header has no @classLabel (or @targetLabel) line",
                    "add '@classLabel true LABEL1 LABEL2 …' before @data "
                    "(or '@targetLabel true' for regression targets)",
                )
            if univariate and n_dims != 1:
                raise DataError(
                    f"{where}: line {number}: {n_dims} dimensions in a file marked @univariate true",
                    _HINT,
                )
        elif len(parts) != n_dims:
            raise DataError(
                f"{where}: line {number}: {len(parts)} dimensions, expected {n_dims}", _HINT
            )
        dims = [_values(p, timestamps, number, d, where) for d, p in enumerate(parts)]
        length = len(dims[0])
        if any(len(d) == 0 for d in dims):
            raise DataError(f"{where}: line {number}: an empty series", _HINT)
        if any(len(d) != length for d in dims):
            raise DataError(f"{where}: line {number}: the dimensions have different lengths", _HINT)
        if equal and declared_len is not None and length != declared_len:
            raise DataError(
                f"{where}: line {number}: series of length {length}, but @seriesLength is {declared_len}",
                _HINT,
            )
        cases.append(dims)
        origins.append(f"line {number}")
    if not cases:
        raise DataError(f"{where}: no cases after @data", _HINT)
    lengths = np.array([len(c[0]) for c in cases], dtype=np.int64)
    steps = int(lengths.max())
    x = np.zeros((len(cases), steps, n_dims or 1), dtype=np.float32)
    for i, dims in enumerate(cases):
        x[i, : lengths[i]] = np.asarray(dims, dtype=np.float32).T
    if header.has_class and header.class_labels:
        known = set(header.class_labels)
        for label, origin in zip(labels, origins):
            if label not in known:
                raise DataError(
                    f"{where}: {origin}: class {label!r} is not declared in @classLabel",
                    f"declared: {', '.join(header.class_labels)}",
                )
    y = np.array(labels, dtype=object) if labelled else None
    if header.has_target and y is not None:
        try:
            y = y.astype(np.float64)
        except ValueError:
            raise DataError(
                f"{where}: @targetLabel true but a target is not a number", _HINT
            ) from None
        for value, label, origin in zip(y, labels, origins):
            check_cell(float(value), label, where, f"{origin}, target")
    names = [f"dim{d + 1}" for d in range(n_dims or 1)]
    rows = [
        [origins[i], str(lengths[i]), labels[i] if labelled else ""]
        for i in range(min(20, len(cases)))
    ]
    raw = RawSequences(
        x=x,
        lengths=None if (lengths == steps).all() else lengths,
        y=y,
        feature_names=names,
        target_names=["class" if header.has_class else "target"],
        origins=origins,
        class_names=header.class_labels,
        preview=Preview(["case", "length", "label"], rows),
    )
    if name := header.values.get("problemname"):
        raw.notes.append(f"dataset name in the file: {name}")
        raw.problem = name
    return raw


def read_ts(path: Path, spec: DataSpec, where: str, test_path: Path | None = None) -> RawSequences:
    if path.stat().st_size == 0:
        raise DataError(f"{where}: the file is empty", _HINT)
    raw = parse_ts(decode_utf8(path.read_bytes(), where), where)
    if test_path is not None:
        raw.test = parse_ts(decode_utf8(test_path.read_bytes(), str(test_path)), str(test_path))
    return raw
