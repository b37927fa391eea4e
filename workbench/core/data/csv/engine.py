"""pandas' C parser, chunk by chunk, into one preallocated float32 matrix.

The one CSV engine (delimiter, decimal mark, thousands, quoting, BOM and encodings are its
job). Chunks keep peak memory near the size of the result: 10 M rows x 4 columns parse in
about 1.1x the time of a bare ``pandas.read_csv`` (see ``benchmarks/load_csv.py``).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.data.csv.numbers import MISSING
from workbench.core.data.csv.sniff import Dialect

CHUNK_ROWS = 1 << 20
#: Every spelling of a missing cell that pandas should turn into NaN (number columns only).
NA_VALUES = sorted(MISSING | {m.upper() for m in MISSING} | {m.title() for m in MISSING})


def reader_options(dialect: Dialect, names: list[str]) -> dict[str, Any]:
    return dict(
        sep=r"\s+" if dialect.delimiter == " " else dialect.delimiter,
        decimal=dialect.decimal,
        thousands=dialect.thousands,
        header=0 if dialect.header and not dialect.skip_header_line else None,
        skiprows=[0] if dialect.skip_header_line else None,
        names=names,
        keep_default_na=False,
        skip_blank_lines=True,
        encoding="utf-8-sig",
        engine="c",
        index_col=False,
    )


def chunks(
    path: Path,
    dialect: Dialect,
    names: list[str],
    kinds: list[bool],
    chunk_rows: int = CHUNK_ROWS,
    exact: tuple[str, ...] = (),
) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """(float32 [rows, number columns], text columns) of ``chunk_rows`` rows at a time.
    ``exact``: number columns also given (as float64) among the text columns' arrays."""
    numeric = [n for n, k in zip(names, kinds) if k]
    text = [n for n, k in zip(names, kinds) if not k]
    # One default dtype and one NA list: per-column dicts cost pandas ~1 ms a column, which
    # made a 6,000-column file take seconds. Missing text cells come back as "".
    dtype: dict[str, Any] | str = defaultdict(
        lambda: "float32", {n: object for n in text} | {n: "float64" for n in exact}
    )
    reader = pd.read_csv(
        path,
        dtype=dtype if text or exact else "float32",
        na_values=NA_VALUES,
        chunksize=chunk_rows,
        **reader_options(dialect, names),
    )
    with reader:
        for frame in reader:
            block = (
                frame[numeric].to_numpy(dtype=np.float32)
                if numeric
                else np.zeros((len(frame), 0), np.float32)
            )
            texts = {
                n: frame[n].fillna("").astype(str).str.strip().to_numpy(dtype=object) for n in text
            }
            texts.update({n: frame[n].to_numpy(dtype=np.float64) for n in exact})
            yield block, texts


def read_columns(
    path: Path, dialect: Dialect, names: list[str], kinds: list[bool], bytes_per_row: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(float32 matrix [rows, number columns], text columns); pandas' errors pass through."""
    n_numeric = sum(kinds)
    # Room for every row, with slack: pages never written are never resident, so the slack
    # costs address space, not memory.
    capacity = int(path.stat().st_size / max(1.0, bytes_per_row) * 1.25) + 1024
    out = np.empty((capacity, n_numeric), dtype=np.float32)
    parts: dict[str, list[np.ndarray]] = {n: [] for n, k in zip(names, kinds) if not k}
    rows = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # 1e39 overflows the float32 cast with a RuntimeWarning; the caller refuses the value
        # with its line instead.
        warnings.simplefilter("ignore", RuntimeWarning)
        for block, text in chunks(path, dialect, names, kinds):
            k = len(block)
            if rows + k > out.shape[0]:
                grown = np.empty((max(2 * out.shape[0], rows + k), n_numeric), dtype=np.float32)
                grown[:rows] = out[:rows]
                out = grown
            out[rows : rows + k] = block
            for name, values in text.items():
                parts[name].append(values)
            rows += k
    texts = {n: (np.concatenate(p) if p else np.zeros(0, dtype=object)) for n, p in parts.items()}
    return out[:rows], texts


def first_text_cells(
    path: Path, dialect: Dialect, names: list[str], wanted: list[str]
) -> tuple[int, str, str] | None:
    """(row, column, cell) of the first cell among ``wanted`` columns that is not a number."""
    best: tuple[int, str, str] | None = None
    reader = pd.read_csv(
        path, dtype=str, usecols=wanted, chunksize=CHUNK_ROWS, **reader_options(dialect, names)
    )
    offset = 0
    with reader:
        for frame in reader:
            for name in wanted:
                cells = frame[name].fillna("").str.strip()
                text = cells
                if dialect.thousands:
                    text = text.str.replace(dialect.thousands, "", regex=False)
                if dialect.decimal == ",":
                    bad_mark = text.str.contains(".", regex=False)
                    text = text.str.replace(",", ".", regex=False)
                else:
                    bad_mark = text.str.contains(",", regex=False)
                number = pd.to_numeric(text, errors="coerce")
                missing = cells.str.lower().isin(MISSING)
                bad = ((number.isna() | bad_mark) & ~missing).to_numpy()
                if bad.any():
                    row = int(np.argmax(bad))
                    if best is None or offset + row < best[0]:
                        best = (offset + row, name, str(cells.iloc[row]))
            if best is not None:
                return best
            offset += len(frame)
    return best
