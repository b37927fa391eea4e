"""Overlays: colour-blind-safe colours that are never shared among the runs shown."""

from __future__ import annotations

from workbench.gui.plots.colors import LIVE, PALETTE, pick_color


def test_overlay_colours_are_distinct_okabe_ito_hues():
    okabe_ito = {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    assert set(PALETTE) <= okabe_ito and LIVE not in PALETTE
    used: list[str] = []
    for _ in PALETTE:
        used.append(pick_color(used))
    assert sorted(used) == sorted(PALETTE)  # as many runs as colours: no colour twice
    assert pick_color([PALETTE[1]]) == PALETTE[0]  # a freed colour is reused first
