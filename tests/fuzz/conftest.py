"""Fuzz tests: report how many cases were tried, and count them per property."""

from __future__ import annotations

import pytest
from fuzzkit import tried


def pytest_terminal_summary(terminalreporter):
    if tried:
        total = sum(tried.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(tried.items()))
        terminalreporter.write_line(f"fuzz cases tried: {total} ({parts})")


@pytest.fixture
def count():
    def add(name: str) -> None:
        tried[name] += 1

    return add
