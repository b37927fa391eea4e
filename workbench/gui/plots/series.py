"""Growing float64 series for live curves: preallocated, amortised O(1) appends, no copies on read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class GrowingSeries:
    """x/y values appended as training goes; ``x``/``y`` are views of the filled part.

    Capacity doubles when full, so a run of N steps costs O(N) copying in total and plots can hand
    the views straight to ``setData`` (no per-redraw concatenation).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._x = np.empty(max(16, capacity), dtype=np.float64)
        self._y = np.empty(max(16, capacity), dtype=np.float64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._n]

    def _reserve(self, extra: int) -> None:
        need = self._n + extra
        if need <= len(self._x):
            return
        size = len(self._x)
        while size < need:
            size *= 2
        for name in ("_x", "_y"):
            old = getattr(self, name)
            new = np.empty(size, dtype=np.float64)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def append(self, x: float, y: float) -> None:
        self._reserve(1)
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1

    def extend(self, xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray) -> None:
        xs = np.asarray(xs, dtype=np.float64)
        ys = np.asarray(ys, dtype=np.float64)
        if xs.shape != ys.shape or xs.ndim != 1:
            raise ValueError(
                f"x and y must be 1-D and the same length (got {xs.shape}, {ys.shape})"
            )
        k = len(xs)
        self._reserve(k)
        self._x[self._n : self._n + k] = xs
        self._y[self._n : self._n + k] = ys
        self._n += k

    def set(self, xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray) -> None:
        """Replace the contents (keeps the buffers when they are large enough)."""
        self._n = 0
        self.extend(xs, ys)

    def clear(self) -> None:
        self._n = 0
