"""Guess a CSV's dialect from a sample: delimiter, decimal mark, header, column kinds.

Everything guessed can be set in the spec; the guess only fills what is left empty.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from workbench.core.errors import DataError

CANDIDATES = (",", ";", "\t", "|", " ")
#: Cells that mean "no value" (besides an empty cell).
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "?", "-", "#n/a"})
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar", " ": "space"}


@dataclass
class Dialect:
    delimiter: str
    decimal: str
    header: bool
    quoted: bool  # the sample holds quote characters (plain fast parsers do not apply)


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def parse_number(cell: str, decimal: str) -> float | None:
    """The number in ``cell`` or None (missing cells are not numbers either)."""
    text = cell.strip()
    if decimal == ",":
        if "." in text and "," in text:
            return None
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return None if text.lower() in ("nan", "inf", "-inf", "+inf", "infinity") else value


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


def _sniff_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    comma = point = 0
    for row in rows[1:50]:
        for cell in row:
            c = cell.strip()
            if parse_number(c, ".") is not None and "." in c:
                point += 1
            elif "," in c and parse_number(c, ",") is not None:
                comma += 1
    return "," if comma > point else "."


def _sniff_header(rows: list[list[str]], decimal: str) -> bool:
    first = rows[0]
    if len(rows) == 1:
        return any(parse_number(c, decimal) is None for c in first)
    second = rows[1]
    text0 = [parse_number(c, decimal) is None and not is_missing(c) for c in first]
    if not any(text0):
        return False
    num1 = [parse_number(c, decimal) is not None for c in second]
    if any(t and n for t, n in zip(text0, num1)):
        return True
    # Every cell text in both rows: a header if the first row differs from the second.
    return all(text0) and first != second


def sniff(
    lines: list[str], delimiter: str | None, decimal: str, header: bool | None, where: str
) -> Dialect:
    """The dialect of a CSV whose first non-blank lines are ``lines``."""
    if delimiter == "\\t":
        delimiter = "\t"
    delim = delimiter or _sniff_delimiter(lines, where)
    rows = [r for r in split_rows(lines, delim) if r]
    dec = decimal if decimal != "." else _sniff_decimal(rows, delim)
    if dec == delim:
        raise DataError(
            f"{where}: the decimal mark and the delimiter are both {delim!r}", "set one of them"
        )
    head = header if header is not None else _sniff_header(rows, dec)
    quoted = any('"' in line or "'" in line for line in lines)
    return Dialect(delim, dec, head, quoted)
