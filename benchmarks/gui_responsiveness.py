"""Responsiveness: while a live-plotted training run goes on, how late is a 10 ms QTimer heartbeat
on the GUI thread? Targets: p99 <= 20 ms, max <= 100 ms.

For each example (seed-lstm, char-lm) the TrainingPanel trains in a shown window (offscreen
platform, software rendering: the plots really are drawn) for ``--seconds``, then Stop is
pressed; the heartbeat runs from the first plotted step until the worker thread has ended. The
stop → thread-joined time is printed too (target <= 1 s). Baselines, side by side: an idle
heartbeat, and the same training on a plain Python thread with nothing plotted (what the machine,
the GIL and training alone do to the GUI thread).
"GUI CPU per gap" is the GUI thread's own CPU time between two beats: when a beat is late by far
more than that, the thread was waiting (for the GIL, or for a CPU on a busy machine).

    python benchmarks/gui_responsiveness.py [--seconds 20] [--examples seed-lstm char-lm]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gui_common as gc  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--examples", nargs="+", default=["seed-lstm", "char-lm"])
    p.add_argument(
        "--switch-ms",
        type=float,
        default=1.0,
        help="GIL switch interval while training (0: Python's default 5 ms)",
    )
    p.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the same training on a plain thread with nothing plotted",
    )
    args = p.parse_args(argv)
    gc.set_switch_interval(args.switch_ms or None)
    a = gc.app()
    print(
        f"platform {a.platformName()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
        f"switch interval {args.switch_ms or 5.0} ms"
    )
    print(f"idle (baseline):        {gc.fmt_beat(gc.idle_heartbeat(2.0))}")
    ok = True
    gc.set_gui_threads()
    for name in args.examples:
        spec, base = gc.example(name, epochs=1000)
        if args.baseline:
            b = gc.unplotted_heartbeat(spec, base, args.seconds)
            print(f"{name:<12} no plots: {gc.fmt_beat(b)}  (training on a plain thread, baseline)")
        run = gc.gui_run(spec, base, seconds=args.seconds)
        b = run.heartbeat
        good = b["p99_ms"] <= 20 and b["max_ms"] <= 100 and (run.stop_s or 0) <= 1.0
        ok &= good
        print(
            f"{name:<12} training: {gc.fmt_beat(b)}  | {run.steps} steps, "
            f"{run.samples_per_s:,.0f} samples/s, stop→joined {run.stop_s:.2f} s, "
            f"{run.status} -> {'OK' if good else 'OVER'}"
        )
    print(f"load after: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
