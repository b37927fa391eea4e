"""Stable colours: the same run gets the same colour every time it is shown."""

from __future__ import annotations

import zlib

# Okabe & Ito's colour-blind-safe set (distinct hues, not shades of one), without its blue —
# blue is the live run's colour — and its yellow, which is unreadable on white.
PALETTE = (
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#000000",  # black
    "#56B4E9",  # sky blue
)
LIVE = "#1f77b4"  # the live run's raw curve
LIVE_SMOOTH = "#0b3d91"


def run_color(key: str) -> str:
    """A palette colour picked by a hash of the run's id (not by list position)."""
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]


def pick_color(used: set[str] | list[str]) -> str:
    """The first palette colour not in ``used`` (overlays shown together never share one while
    the palette lasts; after that, colours repeat in palette order)."""
    for color in PALETTE:
        if color not in used:
            return color
    return PALETTE[len(used) % len(PALETTE)]
