"""Guess a CSV's dialect from a sample: delimiter, decimal mark, thousands, header.

Everything guessed can be set in the spec; the guess only fills what is left as "auto".
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from workbench.core.data.csv.numbers import decide, is_missing, parse_number
from workbench.core.errors import DataError

CANDIDATES = (",", ";", "\t", "|", " ")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar", " ": "space"}


@dataclass
class Dialect:
    delimiter: str
    decimal: str
    header: bool
    quoted: bool  # the sample holds quote characters (lines cannot be split naively)
    thousands: str | None = None
    #: The header skipped as line 0 instead of parsed by pandas (set when its names repeat:
    #: pandas numbers repeated names in quadratic time, ~60 s for 20,000 equal names).
    skip_header_line: bool = False


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def split_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    if delimiter == " ":
        return [line.split() for line in lines]
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))


def _sniff_delimiter(lines: list[str], where: str) -> str:
    best, best_score = None, (0.0, 0)
    for cand in CANDIDATES:
        counts = [len(r) for r in split_rows(lines, cand)]
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts), mode)
        if score > best_score:
            best, best_score = cand, score
    if best is not None and best_score[0] >= 0.5:
        return best
    if best is None:
        # One column: fine for a plain single series, but not when the cells look like
        # several values glued by a separator we do not know.
        data = lines[1:] or lines
        if all(parse_number(c, ".") is not None or is_missing(c) for c in data[:20]):
            return ","
    raise DataError(
        f"{where}: cannot tell the column separator (tried comma, semicolon, tab, bar, space)",
        "set the delimiter",
    )


def _looks_numeric(cell: str) -> bool:
    return any(
        parse_number(cell, d, t) is not None for d, t in ((".", ","), (",", "."), (".", " "))
    )


def _sniff_header(rows: list[list[str]]) -> bool:
    first = rows[0]
    if len(rows) == 1:
        return any(not _looks_numeric(c) for c in first)
    second = rows[1]
    text0 = [not _looks_numeric(c) and not is_missing(c) for c in first]
    if not any(text0):
        return False
    num1 = [_looks_numeric(c) for c in second]
    if any(t and n for t, n in zip(text0, num1)):
        return True
    # Every cell text in both rows: a header if the first row differs from the second.
    return all(text0) and first != second


def sniff(
    lines: list[str],
    delimiter: str | None,
    decimal: str,
    thousands: str,
    header: bool | None,
    where: str,
) -> tuple[Dialect, list[str]]:
    """The dialect and column names of a CSV whose first non-blank lines are ``lines``."""
    if delimiter == "\\t":
        delimiter = "\t"
    delim = delimiter or _sniff_delimiter(lines, where)
    rows = [r for r in split_rows(lines, delim) if r]
    head = header if header is not None else _sniff_header(rows)
    data = rows[1:] if head else rows
    n = len(rows[0])
    names = column_names(rows[0], n, head)
    columns = {names[i]: [r[i] for r in data if i < len(r)] for i in range(n)}
    fmt = decide(columns, delim, None if decimal == "auto" else decimal, thousands, where)
    if fmt.decimal == delim:
        raise DataError(
            f"{where}: the decimal mark and the delimiter are both {delim!r}", "set one of them"
        )
    quoted = any('"' in line or "'" in line for line in lines)
    return Dialect(delim, fmt.decimal, head, quoted, fmt.thousands), names


def column_names(first: list[str], n: int, header: bool) -> list[str]:
    if not header:
        return [f"col{i + 1}" for i in range(n)]
    names: list[str] = []
    seen: set[str] = set()
    tried: dict[str, int] = {}  # base name -> first suffix not yet known to be taken
    for i, cell in enumerate(first):
        name = cell.strip() or f"col{i + 1}"
        base, k = name, tried.get(name, 2)
        while name in seen:  # duplicate names get a suffix so every column can be chosen
            name, k = f"{base}_{k}", k + 1
        if name != base:  # (restarting at _2 each time took 33 s for 20,000 equal names)
            tried[base] = k
        seen.add(name)
        names.append(name)
    return names
