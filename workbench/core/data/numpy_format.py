"""NumPy ``.npy`` / ``.npz``: ``X`` [N, T, F] or [N, T] (F = 1) and ``y`` [N] or [N, T].

Always ``allow_pickle=False`` (a pickled object array is refused, never executed). A large
``.npy`` is memory-mapped. For task 'forecasting'/'regression' a 1-D or 2-D ``X`` is one
series [L] or [L, C] cut into windows (targets: ``target_columns`` as column numbers, default
the last column). A ``.npy`` holds only ``X``; its labels come from ``y_key`` naming another
``.npy`` file beside it (default: ``NAME_y.npy``).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import numpy as np

from workbench.core.data.finite import to_float32
from workbench.core.data.raw import Preview, RawSequences, RawSeries, count_missing
from workbench.core.errors import DataError
from workbench.core.spec.task import VALUE_TASKS, Task

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec

MMAP_BYTES = 64 << 20
#: An array is read, converted to float32 and windowed: budget this many copies of it.
COPIES = 3


def _declared_bytes(handle: BinaryIO) -> int | None:
    """Bytes the array in an open ``.npy`` stream says it holds (None: an unknown header)."""
    from numpy.lib import format as npy

    version = npy.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = npy.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, _, dtype = npy.read_array_header_2_0(handle)
    else:
        return None
    count = 1
    for n in shape:
        count *= int(n)
    return count * dtype.itemsize


def _check_size(declared: int | None, where: str, what: str) -> None:
    """Refuse an array that cannot fit before it is read (a 1 MB ``.npz`` of zeros once
    unpacked to 4.4 GB)."""
    from workbench.core.memory import check_fits

    if declared is not None:
        check_fits(
            declared * COPIES,
            f"{where}: {what} ({declared:,} bytes unpacked)",
            "use a smaller array, or split the data into several files",
            DataError,
        )


def _load_npy(path: Path, where: str) -> np.ndarray:
    try:
        size = path.stat().st_size
        mode: Literal["r"] | None = "r" if size >= MMAP_BYTES else None
        if mode is None:  # read into memory: the header's size is checked against the file
            with open(path, "rb") as handle:
                declared = _declared_bytes(handle)
            if declared is not None and declared > size:
                raise DataError(
                    f"{where}: not a valid .npy file (its header promises {declared:,} bytes, "
                    f"the file has {size:,})"
                )
        return np.load(path, mmap_mode=mode, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(
                f"{where}: holds Python objects (pickled), which are never loaded",
                "save plain number arrays (np.save with a numeric dtype)",
            ) from None
        raise DataError(f"{where}: not a valid .npy file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{where}: not a valid .npy file ({exc})") from None


def _load_npz(path: Path, spec: DataSpec, where: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{where}: not a valid .npz file ({exc})") from None
    with archive:
        keys = list(archive.files)
        if spec.x_key not in keys:
            raise DataError(
                f"{where}: no array named {spec.x_key!r}",
                f"arrays in the file: {', '.join(keys)} (set x_key)",
            )

        def get(key: str) -> np.ndarray:
            try:
                member = archive.zip.getinfo(f"{key}.npy")
                with archive.zip.open(member) as handle:
                    declared = _declared_bytes(handle)
                _check_size(member.file_size, where, f"array {key!r}")
                _check_size(declared, where, f"array {key!r}")
                return archive[key]
            except (KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                raise DataError(f"{where}: array {key!r} cannot be read ({exc})") from None
            except ValueError as exc:
                if "pickle" in str(exc).lower():
                    raise DataError(
                        f"{where}: array {key!r} holds Python objects (pickled), which are never loaded",
                        "save plain number arrays",
                    ) from None
                raise DataError(f"{where}: array {key!r} cannot be read ({exc})") from None

        x = get(spec.x_key)
        y = get(spec.y_key) if spec.y_key in keys else None
    return x, y


def _labels_npy(path: Path, spec: DataSpec, where: str) -> np.ndarray | None:
    if Path(spec.y_key).name != spec.y_key or spec.y_key in ("", ".", ".."):
        raise DataError(
            f"{where}: y_key {spec.y_key!r} must be a file name beside the data, not a path",
            "put the label file in the same folder",
        )
    candidates = []
    if spec.y_key.endswith(".npy"):
        candidates.append(path.parent / spec.y_key)
    candidates.append(path.with_name(f"{path.stem}_{spec.y_key.removesuffix('.npy')}.npy"))
    for candidate in candidates:
        if candidate.is_file():
            return _load_npy(candidate, str(candidate))
    if spec.y_key.endswith(".npy"):
        raise DataError(f"{where}: label file {spec.y_key!r} not found beside it", "check y_key")
    return None


def _check_numeric(arr: np.ndarray, what: str, where: str) -> None:
    if arr.dtype.kind not in "fiub":
        raise DataError(
            f"{where}: {what} has dtype {arr.dtype}, not numbers", "save a numeric array"
        )


def _as_series(x: np.ndarray, spec: DataSpec, where: str) -> RawSeries:
    if x.ndim == 1:
        x = x[:, None]
    values = to_float32(x, where, lambda i: f"X row {i[0]}, column {i[1]} (0-based)")
    columns = [f"x{i}" for i in range(values.shape[1])]
    try:
        targets = (
            [int(c) for c in spec.target_columns] if spec.target_columns else [values.shape[1] - 1]
        )
        features = [int(c) for c in spec.feature_columns] if spec.feature_columns else None
    except ValueError:
        raise DataError(f"{where}: columns of an array are chosen by number (0, 1, …)") from None
    for c in targets + (features or []):
        if not 0 <= c < values.shape[1]:
            raise DataError(f"{where}: column {c} does not exist (the array has {values.shape[1]})")
    if features is None:
        features = [
            c for c in range(values.shape[1]) if spec.task == Task.FORECASTING or c not in targets
        ]
    rows = [[str(i)] + [f"{v:g}" for v in values[i, :8]] for i in range(min(20, len(values)))]
    return RawSeries(
        values=values,
        columns=columns,
        feature_idx=features,
        target_idx=targets,
        missing_count=count_missing(values),
        preview=Preview(["step", *columns[:8]], rows),
    )


def _as_sequences(x: np.ndarray, y: np.ndarray | None, where: str) -> RawSequences:
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise DataError(
            f"{where}: X has {x.ndim} dimensions {list(x.shape)}; expected [N, T, F] or [N, T]",
            "reshape the array",
        )
    if y is not None:
        _check_numeric(y, "y", where) if y.dtype.kind not in "US" else None
        if y.ndim not in (1, 2):
            raise DataError(
                f"{where}: y has {y.ndim} dimensions {list(y.shape)}; expected [N] or [N, T]"
            )
        if y.shape[0] != x.shape[0]:
            raise DataError(
                f"{where}: X holds {x.shape[0]} sequences but y holds {y.shape[0]} labels",
                "X and y must have the same first dimension",
            )
    # Reads a memory map once, as float32.
    values = to_float32(
        x, where, lambda i: f"X[{i[0]}, {i[1]}, {i[2]}] (sequence, step, feature; 0-based)"
    )
    if y is not None and y.dtype.kind == "f":
        to_float32(y, where, lambda i: f"y[{', '.join(map(str, i))}] (0-based)")
    n_feat = values.shape[2]
    rows = [
        [str(i), str(t)] + [f"{v:g}" for v in values[i, t, :8]]
        for i in range(min(2, len(values)))
        for t in range(min(10, values.shape[1]))
    ]
    return RawSequences(
        x=values,
        lengths=None,
        y=None if y is None else np.asarray(y),
        feature_names=[f"x{i}" for i in range(n_feat)],
        target_names=["y"],
        missing_count=count_missing(values),
        preview=Preview(["sequence", "step", *[f"x{i}" for i in range(min(8, n_feat))]], rows),
    )


def read_numpy(
    path: Path, spec: DataSpec, where: str, test_path: Path | None = None
) -> RawSequences | RawSeries:
    if path.suffix.lower() == ".npz":
        x, y = _load_npz(path, spec, where)
    else:
        x, y = _load_npy(path, where), _labels_npy(path, spec, where)
    _check_numeric(x, "X", where)
    if x.size == 0:
        raise DataError(f"{where}: X is empty (shape {list(x.shape)})")
    if spec.task in VALUE_TASKS and x.ndim in (1, 2) and y is None:
        return _as_series(x, spec, where)
    if x.ndim < 2:
        raise DataError(
            f"{where}: X has {x.ndim} dimension; expected [N, T, F] or [N, T]",
            "for one series use task 'forecasting'",
        )
    raw = _as_sequences(x, y, where)
    if test_path is not None:
        tx, ty = (
            _load_npz(test_path, spec, str(test_path))
            if test_path.suffix == ".npz"
            else (
                _load_npy(test_path, str(test_path)),
                _labels_npy(test_path, spec, str(test_path)),
            )
        )
        raw.test = _as_sequences(tx, ty, str(test_path))
    return raw
