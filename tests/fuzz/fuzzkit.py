"""Shared settings and helpers of the fuzz tests: a bounded number of examples in CI, more on request.

``WORKBENCH_FUZZ_EXAMPLES=N`` sets the examples per property (default 10: the whole fuzz
suite stays within a few seconds of CPU). Every example must finish within ``EXAMPLE_LIMIT_S``
seconds (a hang is a failure, not a stuck CI job); ``tried`` counts the cases run, printed at
the end of the session (``-s`` or the summary) for the record.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections import Counter

from hypothesis import HealthCheck, Phase, settings

EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "10"))
EXAMPLE_LIMIT_S = 60

settings.register_profile(
    "workbench-fuzz",
    max_examples=EXAMPLES,
    deadline=None,  # a loaded CI machine must not fail on timing; hangs are caught below
    database=None,
    derandomize=EXAMPLES <= 10,  # CI runs the same cases every time
    # CI reports the failing case as generated; a long run also shrinks it to a minimal one.
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if EXAMPLES > 10 else []),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
FUZZ = settings.get_profile("workbench-fuzz")

tried: Counter[str] = Counter()


class Hang(Exception):
    """An input made a loader run past the time limit."""


@contextlib.contextmanager
def time_limit(seconds: int = EXAMPLE_LIMIT_S):
    """Fail an example that runs longer than ``seconds`` (POSIX; elsewhere only pytest's
    own timeout applies)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
