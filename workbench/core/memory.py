"""How much memory the machine has free, and the check that refuses work that cannot fit.

Sizes that come from files and specs (a hidden size of 10**9, a 1 MB ``.npz`` that unpacks to
4 GB, a generator asked for 10**12 samples) are checked against this *before* anything is
allocated: the user gets a sentence instead of a frozen machine or an OOM kill.
"""

from __future__ import annotations

import os

from workbench.core.errors import WorkbenchError

#: Used when the free memory cannot be read (Windows, odd platforms).
FALLBACK_BYTES = 16 * 1024**3
#: Tests (and users on shared machines) can lower the ceiling: ``WORKBENCH_MEMORY_LIMIT=2G``.
LIMIT_ENV = "WORKBENCH_MEMORY_LIMIT"


def _parse_size(text: str) -> int | None:
    text = text.strip().upper().removesuffix("B")
    scale = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in "KMGT" and text else text
    try:
        value = float(number) * scale
    except ValueError:
        return None
    return int(value) if value > 0 else None


def available_bytes() -> int:
    """Memory this process can still use: ``MemAvailable`` on Linux, free pages elsewhere
    (capped by ``WORKBENCH_MEMORY_LIMIT`` when set)."""
    found: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        found = None
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            found = None
    limit = _parse_size(os.environ.get(LIMIT_ENV, "")) if os.environ.get(LIMIT_ENV) else None
    value = found if found and found > 0 else FALLBACK_BYTES
    return min(value, limit) if limit else value


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def check_fits(
    need: float, what: str, hint: str, error: type[WorkbenchError] = WorkbenchError
) -> None:
    """Raise ``error`` when ``need`` bytes exceed the memory available now."""
    have = available_bytes()
    if need > have:
        raise error(
            f"{what} needs about {format_bytes(need)} of memory; {format_bytes(have)} is available",
            hint,
        )
