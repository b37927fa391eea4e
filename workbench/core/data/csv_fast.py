"""The fast path for large, regular CSV files: a C parser, chunk by chunk, into one
preallocated float32 matrix (so peak memory stays near the size of the result).

pandas' C parser when pandas is installed (measured 0.22x the time of ``numpy.loadtxt`` on
10 M rows; pyarrow was slower on 2 busy cores and pure-NumPy byte parsing far slower; see
``benchmarks/load_csv.py``), else ``numpy.loadtxt`` per chunk for files of numbers only.
Any surprise (ragged row, text in a number column, bad bytes) returns None and the careful
parser reads the file instead, naming the line and column.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from workbench.core.data.csv_sniff import MISSING, Dialect

CHUNK_ROWS = 1 << 20
CHUNK_BYTES = 8 << 20


def _pandas_chunks(
    path: Path, dialect: Dialect, names: list[str], kinds: list[bool]
) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    import pandas as pd

    numeric = [n for n, k in zip(names, kinds) if k]
    text = [n for n, k in zip(names, kinds) if not k]
    na = sorted(MISSING | {m.upper() for m in MISSING} | {m.title() for m in MISSING})
    reader = pd.read_csv(
        path,
        sep=r"\s+" if dialect.delimiter == " " else dialect.delimiter,
        decimal=dialect.decimal,
        header=0 if dialect.header else None,
        names=names,
        dtype={n: ("float32" if k else object) for n, k in zip(names, kinds)},
        na_values=na,
        keep_default_na=False,
        skip_blank_lines=True,
        encoding="utf-8-sig",
        engine="c",
        index_col=False,
        chunksize=CHUNK_ROWS,
    )
    with reader:
        for frame in reader:
            if len(frame.columns) != len(names):
                raise ValueError("column count changed")
            block = (
                frame[numeric].to_numpy(dtype=np.float32)
                if numeric
                else np.zeros((len(frame), 0), np.float32)
            )
            yield block, {n: frame[n].to_numpy(dtype=object) for n in text}


def _numpy_chunks(path: Path, dialect: Dialect, n_cols: int) -> Iterator[tuple[np.ndarray, dict]]:
    with path.open("rb") as handle:
        first = True
        while True:
            block = handle.read(CHUNK_BYTES)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += handle.readline()
            if first:
                block = block.removeprefix(b"\xef\xbb\xbf")
                if dialect.header:
                    block = block.split(b"\n", 1)[1] if b"\n" in block else b""
                first = False
            # Bytes straight to the C parser (no decode): a bad byte fails the number parse
            # and the careful path names it.
            array = np.loadtxt(
                io.BytesIO(block), delimiter=dialect.delimiter, dtype=np.float32, ndmin=2
            )
            if array.size and array.shape[1] != n_cols:
                raise ValueError("column count changed")
            yield array.reshape(-1, n_cols), {}


def read_fast(
    path: Path,
    dialect: Dialect,
    names: list[str],
    kinds: list[bool],
    bytes_per_row: float,
    parser: str,
) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """(float32 matrix [rows, number columns], text columns) or None for the careful path."""
    have_pandas = False
    if parser in ("auto", "pandas"):
        try:
            import pandas  # noqa: F401

            have_pandas = True
        except ImportError:
            pass
    plain = (
        all(kinds) and not dialect.quoted and dialect.decimal == "." and dialect.delimiter != " "
    )
    if not have_pandas and not (plain and parser in ("auto", "numpy")):
        return None
    n_numeric = sum(kinds)
    # Room for every row, with slack: pages never written are never resident, so the slack
    # costs address space, not memory.
    capacity = int(path.stat().st_size / max(1.0, bytes_per_row) * 1.25) + 1024
    out = np.empty((capacity, n_numeric), dtype=np.float32)
    text_parts: dict[str, list[np.ndarray]] = {n: [] for n, k in zip(names, kinds) if not k}
    rows = 0
    chunks = (
        _pandas_chunks(path, dialect, names, kinds)
        if have_pandas
        else _numpy_chunks(path, dialect, len(names))
    )
    try:
        for block, text in chunks:
            k = len(block)
            if rows + k > out.shape[0]:
                grown = np.empty((max(2 * out.shape[0], rows + k), n_numeric), dtype=np.float32)
                grown[:rows] = out[:rows]
                out = grown
            out[rows : rows + k] = block
            for name, values in text.items():
                text_parts[name].append(values)
            rows += k
    except MemoryError:
        raise
    except Exception:  # ParserError, ValueError, UnicodeDecodeError …: the careful path explains
        return None
    texts = {
        n: (np.concatenate(p) if p else np.zeros(0, dtype=object)) for n, p in text_parts.items()
    }
    return out[:rows], texts
