"""Regression: PySide6 6.12.0 on CPython 3.11 dropped a reference to None on every void Qt call,
and the interpreter aborted with ``none_dealloc`` after a few thousand calls."""

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_refcount(qapp):
    label = QLabel()
    for _ in range(100):  # warm up caches that may legitimately hold None
        label.setText("x")
        label.resize(10, 10)
        qapp.processEvents()
    before = sys.getrefcount(None)
    for i in range(10_000):
        label.setText(str(i % 7))
        label.resize(10 + i % 3, 10)
        qapp.processEvents()
    after = sys.getrefcount(None)
    # Immortal None (3.12+) reports a huge constant; on 3.11 a leak would fall by ~30,000.
    assert after >= before - 50, f"None refcount fell by {before - after} over 30,000 void calls"
