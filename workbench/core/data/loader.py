"""``load_data`` / ``inspect_data``: read a source with its format's reader, then prepare it.

Readers (one module per format) only parse into ``raw`` objects; preparation (missing values,
splits, scaling, windows, padding) is shared so every format behaves the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.data.builtin import builtin_task, generate
from workbench.core.data.pairing import attach_test
from workbench.core.data.prepared import DataSummary, PreparedData
from workbench.core.data.raw import Raw, RawSequences, RawSeries, RawText
from workbench.core.data.sources import Source, detect_format, resolve, test_partner
from workbench.core.errors import DataError
from workbench.core.spec.task import Task

#: The task a format suggests when none was chosen (the CLI and the GUI use it).

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec

NATURAL_TASK = {
    "wide_csv": Task.FORECASTING.value,
    "long_csv": Task.CLASSIFICATION.value,
    "numpy": Task.CLASSIFICATION.value,
    "text": Task.LANGUAGE_MODEL.value,
    "ts": Task.CLASSIFICATION.value,
    "ucr_tsv": Task.CLASSIFICATION.value,
}


def natural_task(spec: DataSpec, base_dir: Path | None = None) -> str:
    """The task that fits the spec's source best (e.g. 'forecasting' for a wide CSV)."""
    source = resolve(spec.source, base_dir)
    if source.builtin is not None:
        return builtin_task(source.builtin) or spec.task
    return NATURAL_TASK.get(detect_format(spec, source), spec.task)


def read_raw(
    spec: DataSpec,
    base_dir: Path | None = None,
    progress: Callable[[float], None] | None = None,
    fmt: str | None = None,
    labels: bool = True,
) -> Raw:
    """``spec.source`` parsed by its format's reader, before any preparation (no missing-value
    policy, split, scaling or windows): ``RawSeries``, ``RawSequences`` or ``RawText``.

    ``fmt`` overrides the detected format (``core.data.sources.detect_format``).
    ``labels=False`` (CSV formats): the file holds no label / target columns — new data to
    predict from; the raw object then has no targets. A file's
    predefined test partner is attached as ``raw.test``. Raises ``DataError`` (also when the
    file does not fit in memory). ``core.serving`` reads new files for prediction through it.
    """
    source = resolve(spec.source, base_dir)
    fmt = fmt or detect_format(spec, source)
    try:
        return _read(spec, source, fmt, base_dir, progress or (lambda fraction: None), labels)
    except MemoryError:
        raise DataError(f"{source.label}: too large to load into memory") from None


def _read(
    spec: DataSpec,
    source: Source,
    fmt: str,
    base_dir: Path | None,
    progress: Callable[[float], None],
    labels: bool = True,
) -> Raw:
    raw = _read_format(spec, source, fmt, base_dir, progress, labels)
    if isinstance(raw, RawSequences) and raw.test is not None:
        test_path = test_partner(spec, source, base_dir)
        label = spec.test_source or str(test_path)
        attach_test(raw, source.label, label, automatic=not spec.test_source)
    return raw


def _read_format(
    spec: DataSpec,
    source: Source,
    fmt: str,
    base_dir: Path | None,
    progress: Callable[[float], None],
    labels: bool,
) -> Raw:
    if fmt == "builtin":
        assert source.builtin is not None
        natural = builtin_task(source.builtin)
        raw = generate(source.builtin, spec.builtin)
        if natural and spec.task != natural:
            raise DataError(
                f"{source.label}: this dataset is for task {natural!r} (got {spec.task!r})",
                f"set task to {natural!r}",
            )
        return raw
    path, where = source.path, source.label
    assert path is not None
    if fmt == "text":
        from workbench.core.data.text import read_text

        return read_text(path, where)
    test_path = test_partner(spec, source, base_dir)
    if fmt == "wide_csv":
        from workbench.core.data.csv.wide import read_wide_csv

        return read_wide_csv(path, spec, where, progress, labels)
    if fmt == "long_csv":
        from workbench.core.data.csv.long import read_long_csv

        return read_long_csv(path, spec, where, test_path, labels)
    if fmt == "numpy":
        from workbench.core.data.numpy_format import read_numpy

        return read_numpy(path, spec, where, test_path)
    if fmt == "ts":
        from workbench.core.data.ts_format import read_ts

        return read_ts(path, spec, where, test_path)
    if fmt == "ucr_tsv":
        from workbench.core.data.ucr_tsv import read_ucr_tsv

        return read_ucr_tsv(path, spec, where, test_path)
    raise DataError(f"{where}: unknown format {fmt!r}")


def _load(
    spec: DataSpec,
    base_dir: Path | None,
    progress: Callable[[float], None] | None,
    summary_only: bool,
) -> PreparedData | DataSummary:
    report = progress or (lambda fraction: None)
    report(0.0)
    source = resolve(spec.source, base_dir)
    fmt = detect_format(spec, source)
    raw = read_raw(spec, base_dir, report, fmt)
    report(0.8)
    where = source.label
    args = (spec, where, fmt, spec.source, summary_only)
    if isinstance(raw, RawText):
        from workbench.core.data.prepare.text import prepare_text

        data = prepare_text(raw, *args)
    elif isinstance(raw, RawSeries):
        from workbench.core.data.prepare.series import prepare_series

        data = prepare_series(raw, *args)
    else:
        assert isinstance(raw, RawSequences)
        from workbench.core.data.prepare.sequences import prepare_sequences

        data = prepare_sequences(raw, *args)
    report(1.0)
    return data


def load_data(
    spec: DataSpec, base_dir: Path | None = None, progress: Callable[[float], None] | None = None
) -> PreparedData:
    """Read ``spec.source`` and prepare train/val/test tensors; raises ``DataError``."""
    data = _load(spec, base_dir, progress, summary_only=False)
    assert isinstance(data, PreparedData)
    return data


def inspect_data(
    spec: DataSpec, base_dir: Path | None = None, progress: Callable[[float], None] | None = None
) -> DataSummary:
    """What the loader sees in ``spec.source`` (format, sizes, classes, splits, a preview).

    The same reading, checks and splits as ``load_data``, minus building tensors (torch is
    not even imported), so a bad file fails exactly as it would in training.
    """
    summary = _load(spec, base_dir, progress, summary_only=True)
    assert isinstance(summary, DataSummary)
    return summary
