"""Infinities and values beyond float32 are bad values on every loader path, never numbers.

``inf``, ``-inf``, ``1e400`` and ``1e39`` (above float32's 3.4e38) would load as "0 missing
values" and make training diverge with a misleading hint; each reader refuses them here with
the file and the place, and no NumPy RuntimeWarning reaches the terminal.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from workbench.core.errors import DataError

F32_MAX = float(np.finfo(np.float32).max)
HINT = "replace it with a finite number, or leave it empty / NaN as a missing value"


def describe(value: float | str) -> str:
    """'inf' is infinite; 1e39 is too large for float32."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return f"{text!r} is not a finite number"
    if math.isinf(number):
        return f"{text!r} is infinite" if "inf" in text.lower() else f"{text!r} overflows"
    return f"{text!r} is too large for float32 (beyond ±3.4e38)"


def is_bad(value: float) -> bool:
    return math.isinf(value) or abs(value) > F32_MAX


def to_float32(
    array: np.ndarray, where: str, position: Callable[[tuple[int, ...]], str]
) -> np.ndarray:
    """``array`` as float32, refusing the first infinite or too-large value by ``position``."""
    original = np.asarray(array)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        values = original.astype(np.float32, copy=False)
        if values.dtype.kind != "f" or values.size == 0:
            return values
        if np.isfinite(np.sum(values, dtype=np.float64)) or not np.isinf(values).any():
            return values
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.isinf(values))), values.shape))
    raise DataError(f"{where}: {position(index)}: {describe(repr(float(original[index])))}", HINT)


def check_cell(value: float, cell: str, where: str, place: str) -> None:
    """Refuse one parsed cell of a text format (.ts, .tsv)."""
    if is_bad(value):
        raise DataError(f"{where}: {place}: {describe(cell)}", HINT)
