"""Stable colours: the same run gets the same colour every time it is shown."""

from __future__ import annotations

import zlib

# Okabe–Ito-like, readable on white and distinguishable for most colour-vision deficiencies.
# No blues: blue is the live run's colour.
PALETTE = (
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
    "#000000",
)
LIVE = "#1f77b4"  # the live run's raw curve
LIVE_SMOOTH = "#0b3d91"


def run_color(key: str) -> str:
    """A palette colour picked by a hash of the run's id (not by list position)."""
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]
