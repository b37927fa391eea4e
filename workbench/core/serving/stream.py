"""Predict on a file chunk by chunk: read a bounded number of rows, prepare them with the
run's fitted preprocessing, predict, hand the rows to a writer, forget them.

Memory stays near one chunk (``CHUNK_ROWS`` file rows) plus one batch, whatever the file's
size (``benchmarks/predict_memory.py``). The model sees exactly the batches a whole-file
read gives it (``rebatch``), so the outputs are identical, not just close.

Chunked: wide and long CSV (the formats large data comes in). Read whole: NumPy files (already
arrays; ``.npz`` is a zip archive that cannot be read in parts), ``.ts`` / UCR files (one
sequence per line with its label, benchmark-sized) and text (a token stream, predicted with
the state carried along; its reader is the training one). A CSV whose rows are out of time
order (wide) or whose sequences are interleaved (long) is read whole too, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.errors import DataError
from workbench.core.serving import inputs as inp
from workbench.core.serving.loaded import LoadedRun
from workbench.core.serving.output import Writer
from workbench.core.serving.predict import BATCH, Cancelled, Predictions, predict
from workbench.core.spec.task import Task

#: File rows per chunk: ~65 k rows keep a chunk's arrays at a few MB for typical widths.
CHUNK_ROWS = 1 << 16


def file_chunks(
    run: LoadedRun, path: str | Path, chunk_rows: int = CHUNK_ROWS
) -> tuple[inp.NewFile, Iterator[inp.Inputs]]:
    """The file's prepared inputs, chunk by chunk (one chunk for formats read whole).
    Iterating may raise ``NotStreamable``: start again with ``whole_file``."""
    new = inp.open_file(run, path)
    if new.fmt == "wide_csv":
        from workbench.core.serving.series import stream

        return new, stream(run, new.path, new.spec, new.where, new.labels, chunk_rows)
    if new.fmt == "long_csv":
        return new, _sequence_chunks(run, new, chunk_rows)
    return new, iter([inp.from_file(run, new.path)])


def whole_file(run: LoadedRun, path: str | Path) -> Iterator[inp.Inputs]:
    yield inp.from_file(run, path)


def _sequence_chunks(run: LoadedRun, new: inp.NewFile, chunk_rows: int) -> Iterator[inp.Inputs]:
    """Sequences of a long CSV; the rows of the last sequence of a chunk wait for the next
    chunk (it may continue there). Every sequence's rows must be together in the file."""
    from workbench.core.data.csv.chunks import NotStreamable, iter_tables, joined, rows_of
    from workbench.core.data.csv.columns import find
    from workbench.core.data.csv.long import sequences_from_table

    spec, where = new.spec, new.where
    seen: set[str] = set()
    held, found = None, 0
    for table in iter_tables(new.path, spec, where, chunk_rows):
        table = table if held is None else joined(held, table)
        ids = _id_text(table.columns[find(table, spec.id_column, "id", where)])
        change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        cut = int(change[-1]) if change.size else 0
        held = rows_of(table, slice(cut, None))
        if cut == 0:
            continue  # one sequence so far: it may go on in the next chunk
        done = rows_of(table, slice(0, cut))
        runs = ids[np.concatenate([[0], change[change < cut]])]
        if len(set(runs.tolist())) < len(runs) or seen.intersection(runs.tolist()):
            raise NotStreamable("the rows of a sequence are not together in the file")
        seen.update(runs.tolist())
        part = _sequences(run, sequences_from_table(done, spec, where, new.labels), spec, where)
        found += len(part)
        yield part
    if held is not None:
        if str(_id_text(held.columns[find(held, spec.id_column, "id", where)])[0]) in seen:
            raise NotStreamable("the rows of a sequence are not together in the file")
        part = _sequences(run, sequences_from_table(held, spec, where, new.labels), spec, where)
        found += len(part)
        yield part
    if not found:
        raise DataError(f"{where}: no sequences found")


def _sequences(run: LoadedRun, raw: Any, spec: Any, where: str) -> inp.Inputs:
    from workbench.core.data.csv.chunks import NotStreamable

    try:
        return inp.sequences(run, raw, spec, where, allow_empty=True)
    except DataError:
        if spec.missing != "refuse":
            raise
        # Refused gaps: the whole file gives the message, with the count over all of it.
        raise NotStreamable("missing values under the 'refuse' policy") from None


def _id_text(ids: np.ndarray) -> np.ndarray:
    return ids.astype(str) if ids.dtype.kind != "f" else np.char.mod("%g", ids)


def _pad(a: np.ndarray | None, steps: int, fill: Any = 0) -> np.ndarray | None:
    if a is None or a.ndim < 2 or a.shape[1] == steps:
        return a
    width = [(0, 0)] * a.ndim
    width[1] = (0, steps - a.shape[1])
    return np.pad(a, width, constant_values=fill)


def concat(parts: list[inp.Inputs]) -> inp.Inputs:
    """Inputs one after another (sequences padded to the longest)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    steps = max(p.x.shape[1] for p in parts)
    tagging = first.mask is not None

    def cat(arrays: list[np.ndarray | None], pad: bool, fill: Any = 0) -> np.ndarray | None:
        if any(a is None for a in arrays):
            return None
        return np.concatenate([_pad(a, steps, fill) if pad else a for a in arrays])

    x = cat([p.x for p in parts], True)
    assert x is not None
    return inp.Inputs(
        x,
        cat([p.lengths for p in parts], False),
        cat([p.y for p in parts], tagging),
        cat([p.mask for p in parts], True, False),
        [i for p in parts for i in p.index],
        first.source,
        list(dict.fromkeys(n for p in parts for n in p.notes)),
        cat([p.target_history for p in parts], False),
    )


def take(inputs: inp.Inputs, rows: slice) -> inp.Inputs:
    """Rows ``rows`` of ``inputs`` (views: windows of a series stay unmaterialized)."""

    def cut(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else a[rows]

    return inp.Inputs(
        inputs.x[rows],
        cut(inputs.lengths),
        cut(inputs.y),
        cut(inputs.mask),
        inputs.index[rows],
        inputs.source,
        inputs.notes,
        cut(inputs.target_history),
    )


def rebatch(chunks: Iterable[inp.Inputs], size: int = BATCH) -> Iterator[inp.Inputs]:
    """Batches of ``size`` rows (the last one shorter) across chunk boundaries: the batches
    a whole-file read gives. Only a batch that spans two chunks is copied."""
    pending: list[inp.Inputs] = []
    count = 0
    for chunk in chunks:
        n, pos = len(chunk), 0
        if pending and n:
            pos = min(n, size - count)
            pending.append(take(chunk, slice(0, pos)))
            count += pos
            if count < size:
                continue
            yield concat(pending)
            pending, count = [], 0
        while n - pos >= size:
            yield take(chunk, slice(pos, pos + size))
            pos += size
        if pos < n:
            pending, count = [take(chunk, slice(pos, n))], n - pos
    if pending:
        yield concat(pending)


def predict_chunks(
    run: LoadedRun,
    chunks: Iterable[inp.Inputs],
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[tuple[Predictions, inp.Inputs]]:
    """(predictions, inputs) batch by batch; a text stream is predicted in one go."""
    stop = should_stop or (lambda: False)
    if run.task == Task.LANGUAGE_MODEL:
        for chunk in chunks:
            yield predict(run, chunk, should_stop=stop), chunk
        return
    for batch in rebatch(chunks):
        if stop():
            raise Cancelled()
        yield predict(run, batch), batch


def predict_file(
    run: LoadedRun,
    path: str | Path,
    writer: Writer,
    chunk_rows: int = CHUNK_ROWS,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[str, list[str]]:
    """Predict on ``path`` chunk by chunk into ``writer``; (source, notes). A file that
    cannot be read in chunks is read whole, with a note saying why."""
    from workbench.core.data.csv.chunks import NotStreamable

    new, chunks = file_chunks(run, path, chunk_rows)
    notes: list[str] = []
    try:
        for preds, batch in predict_chunks(run, chunks, should_stop):
            writer.write(preds, batch)
            notes.extend(n for n in batch.notes if n not in notes)
    except NotStreamable as why:
        writer.restart()
        notes = [f"read whole, not in chunks: {why}"]
        for preds, batch in predict_chunks(run, whole_file(run, path), should_stop):
            writer.write(preds, batch)
            notes.extend(n for n in batch.notes if n not in notes)
    return new.where, notes
