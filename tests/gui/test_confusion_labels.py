"""Confusion-matrix axis labels: columns never touch or read alike."""

from __future__ import annotations

from workbench.gui.plots.confusion import tick_labels


def test_a_shared_prefix_is_dropped_from_the_columns():
    rows, columns = tick_labels([f"class {i}" for i in range(10)])
    assert rows[3] == "class 3"
    assert columns == [str(i) for i in range(10)]  # were "class 0class 1…" touching


def test_long_names_are_numbered_on_both_axes():
    names = ["walking", "walking upstairs", "walking downstairs", "sitting", "standing", "laying"]
    rows, columns = tick_labels(names)
    assert columns == ["1", "2", "3", "4", "5", "6"]
    assert rows[0] == "1 walking" and rows[1].startswith("2 walking up")
    assert len(set(rows)) == len(rows)


def test_short_names_stay_as_they_are():
    assert tick_labels(["cat", "dog"]) == (["cat", "dog"], ["cat", "dog"])
    # a name that is only the shared prefix keeps every name whole
    assert tick_labels(["a ", "a b"])[1] == ["a ", "a b"]
