"""Reading one cell as a number, and telling the decimal mark from a thousands separator.

pandas parses the file; these rules only look at the sample (the first lines) to choose the
options pandas gets, and to refuse a guess: ``1.234`` is 1234 in a file whose decimal mark is
``,`` and 1.234 in one whose decimal mark is ``.``; when nothing in the file says which, the
column is named with both readings instead of being read one way silently.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from workbench.core.errors import DataError

#: Cells that mean "no value" (besides an empty cell).
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "?", "-", "#n/a"})
#: The ``thousands`` option: "auto", "none", or the separator itself.
THOUSANDS = ("auto", "none", ",", ".", " ")
_SEPARATORS = (",", ".", " ")
_GROUPED = re.compile(r"^\d{1,3}(?P<sep>[., ])\d{3}(?:(?P=sep)\d{3})*(?:(?P<dec>[.,])\d+)?$")
_PLAIN = re.compile(r"^(\d+)(?:([.,])(\d*))?(?:[eE][-+]?\d+)?$|^[.,]\d+(?:[eE][-+]?\d+)?$")


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def parse_number(cell: str, decimal: str, thousands: str | None = None) -> float | None:
    """The number in ``cell`` or None (missing cells are not numbers either).

    Infinities are numbers here (so a column of them is not mistaken for text); the loaders
    refuse them afterwards with the line and column.
    """
    text = cell.strip()
    if thousands:
        text = text.replace(thousands, "")
    if decimal == ",":
        if "." in text:
            return None
        text = text.replace(",", ".")
    elif "," in text:
        return None
    if text.lower() in ("nan", "+nan", "-nan"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


@dataclass
class Evidence:
    """What the sample cells of one column say about the decimal mark and grouping."""

    decimal: set[str] = field(default_factory=set)
    thousands: set[str] = field(default_factory=set)
    #: (separator, cell) of cells like ``1.234`` that read either way.
    ambiguous: list[tuple[str, str]] = field(default_factory=list)


def cell_evidence(cell: str, into: Evidence) -> None:
    text = cell.strip().lstrip("+-")
    m = _GROUPED.match(text)
    if m:
        sep, dec = m["sep"], m["dec"]
        if dec and dec != sep:
            into.thousands.add(sep)
            into.decimal.add(dec)
        elif text.count(sep) > 1 or sep == " ":
            into.thousands.add(sep)
        elif text[0] == "0":
            into.decimal.add(sep)
        else:
            into.ambiguous.append((sep, cell.strip()))
        return
    p = _PLAIN.match(text)
    if p and p.group(2):
        into.decimal.add(p.group(2))
    elif p is None and re.match(r"^[.,]\d", text):
        into.decimal.add(text[0])


def _reading(cell: str, decimal: str | None, thousands: str | None) -> str:
    value = parse_number(cell, decimal or ".", thousands)
    if value is None:
        return "not a number"
    return f"{value:g}" if math.isfinite(value) and abs(value) < 1e15 else repr(value)


@dataclass
class NumberFormat:
    decimal: str
    thousands: str | None


def decide(
    columns: dict[str, list[str]],
    delimiter: str,
    decimal: str | None,
    thousands: str,
    where: str,
) -> NumberFormat:
    """The decimal mark and thousands separator for a file whose sample cells are ``columns``.

    ``decimal`` None means "sniff"; ``thousands`` is one of ``THOUSANDS``.
    """
    evidence = {name: Evidence() for name in columns}
    for name, cells in columns.items():
        for cell in cells:
            if not is_missing(cell):
                cell_evidence(cell, evidence[name])
    seen_decimal = set().union(*(e.decimal for e in evidence.values())) if evidence else set()
    seen_decimal.discard(delimiter)
    if decimal is None:
        if delimiter == ",":
            decimal = "."  # an unquoted comma would split the cell
        elif len(seen_decimal) == 1:
            decimal = next(iter(seen_decimal))
        elif len(seen_decimal) > 1:
            a = next(n for n, e in evidence.items() if "," in e.decimal)
            b = next(n for n, e in evidence.items() if "." in e.decimal)
            raise DataError(
                f"{where}: columns {a!r} and {b!r} use different decimal marks ("
                f"{_sample(columns[a], ',')!r} and {_sample(columns[b], '.')!r})",
                "set decimal (and thousands) to what the number columns use",
            )
    if thousands == "none":
        return NumberFormat(decimal or ".", None)
    if thousands != "auto":
        if thousands == decimal:
            raise DataError(
                f"{where}: the thousands separator and the decimal mark are both {thousands!r}",
                "set one of them",
            )
        return _checked(
            NumberFormat(decimal or ("," if thousands == "." else "."), thousands),
            evidence,
            columns,
            where,
        )
    found: dict[str, str] = {}  # separator -> first column showing it
    for name, e in evidence.items():
        for sep in sorted(e.thousands):  # a delimiter inside a cell was quoted
            if sep == decimal:
                continue
            found.setdefault(sep, name)
        for sep, cell in e.ambiguous:
            if sep in e.thousands or sep in e.decimal or decimal is not None:
                continue  # the column itself, or the file, says which
            raise DataError(
                f"{where}: column {name!r}: {cell!r} reads as {_reading(cell, sep, None)} with "
                f"{sep!r} as the decimal mark or as {_reading(cell, _other(sep), sep)} with "
                f"{sep!r} as the thousands separator, and nothing in the file says which",
                f"set decimal ({sep!r} or {_other(sep)!r}) or thousands ({sep!r} or 'none')",
            )
    if decimal is None:
        decimal = "."
    if len(found) > 1:
        a, b = sorted(found)
        raise DataError(
            f"{where}: columns {found[a]!r} and {found[b]!r} group thousands differently "
            f"({a!r} and {b!r})",
            "set thousands to the separator the file uses",
        )
    chosen = next(iter(found), None)
    if chosen is None:
        # Cells like 1.234 in a file whose decimal mark is ',' are grouped thousands.
        marks = {s for e in evidence.values() for s, _ in e.ambiguous} - {decimal, delimiter}
        chosen = next(iter(sorted(marks)), None)
    return _checked(NumberFormat(decimal, chosen), evidence, columns, where)


def _checked(
    fmt: NumberFormat, evidence: dict[str, Evidence], columns: dict[str, list[str]], where: str
) -> NumberFormat:
    """Refuse a column whose cells use the thousands separator as a decimal mark
    (``4.7185`` would silently become 47185)."""
    if fmt.thousands is None:
        return fmt
    for name, e in evidence.items():
        if fmt.thousands in e.decimal:
            cell = next(
                (
                    c.strip()
                    for c in columns[name]
                    if fmt.thousands in c and not _GROUPED.match(c.strip().lstrip("+-"))
                ),
                _sample(columns[name], fmt.thousands),
            )
            raise DataError(
                f"{where}: column {name!r}: {cell!r} uses {fmt.thousands!r} as a decimal mark, "
                f"but {fmt.thousands!r} groups thousands in this file (decimal mark "
                f"{fmt.decimal!r})",
                "set decimal and thousands to what the number columns use",
            )
    return fmt


def _sample(cells: list[str], mark: str) -> str:
    return next((c.strip() for c in cells if mark in c), cells[0] if cells else "")


def _other(sep: str) -> str:
    return "," if sep == "." else "."
