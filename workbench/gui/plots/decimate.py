"""Min/max envelopes of a growing series at a few block sizes, kept up to date incrementally.

pyqtgraph's own peak downsampling looks at every point on each ``setData`` (bounds, finite check,
reshape): fine for 10^4 points, far too slow for 4 curves of 10^6 at live rates. So a long curve
hands pyqtgraph a pre-decimated envelope — per block of B raw points, the min and the max in time
order, which is exactly what a peak-downsampled line draws — at the finest block size that keeps
the visible part under a budget. Zooming in switches to a finer level (down to the raw points).
"""

from __future__ import annotations

import numpy as np

from workbench.gui.plots.series import GrowingSeries

BLOCKS = (4, 16, 64, 256, 1024, 4096, 16384)


class MinMaxLevels:
    """Envelopes for block sizes ``BLOCKS``; ``update`` consumes newly completed blocks only."""

    def __init__(self, blocks: tuple[int, ...] = BLOCKS) -> None:
        self.blocks = blocks
        self._levels = {b: GrowingSeries() for b in blocks}
        self._done = dict.fromkeys(blocks, 0)  # raw points already folded into complete blocks

    def clear(self) -> None:
        for b in self.blocks:
            self._levels[b].clear()
            self._done[b] = 0

    def update(self, x: np.ndarray, y: np.ndarray) -> None:
        """Fold the complete blocks of ``x``/``y`` (the whole raw series so far) not seen yet."""
        if len(x) < self._done[self.blocks[0]]:
            self.clear()  # the series was replaced by a shorter one
        for b in self.blocks:
            start = self._done[b]
            count = (len(x) - start) // b
            if count <= 0:
                continue
            end = start + count * b
            yb = y[start:end].reshape(count, b)
            xb = x[start:end].reshape(count, b)
            imin, imax = yb.argmin(axis=1), yb.argmax(axis=1)  # NaN wins: a gap stays a gap
            first, second = np.minimum(imin, imax), np.maximum(imin, imax)
            rows = np.arange(count)
            xs, ys = np.empty(2 * count), np.empty(2 * count)
            xs[0::2], xs[1::2] = xb[rows, first], xb[rows, second]
            ys[0::2], ys[1::2] = yb[rows, first], yb[rows, second]
            self._levels[b].extend(xs, ys)
            self._done[b] = end

    def view(self, block: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The envelope at ``block`` followed by the raw points of the unfinished last block."""
        if block <= 1:
            return x, y
        level, done = self._levels[block], self._done[block]
        return np.concatenate((level.x, x[done:])), np.concatenate((level.y, y[done:]))

    def pick(self, visible_points: int, budget: int) -> int:
        """The finest block size (1 = raw) that shows ``visible_points`` in <= ``budget`` blocks."""
        for b in (1, *self.blocks):
            if visible_points <= budget * b:
                return b
        return self.blocks[-1]
