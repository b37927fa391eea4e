"""Overhead of the window: training throughput with the TrainingPanel open and plotting live,
against the headless engine on the same run, side by side. Target: GUI >= 0.90x headless (the
median of the paired ratios) with the visible plots still redrawn >= 5 times a second.

Both sides train the same spec for ``--steps`` optimizer steps with the same torch intra-op
thread count (the one the GUI uses: all cores but one). Runs alternate headless / GUI ``--repeats``
times so a change in machine load hits both; the medians of the engine's own samples/s
(training time only, evaluation excluded) are compared. The 10 ms heartbeat also runs during the
GUI runs, so the window is doing what a user's would.

    python benchmarks/gui_overhead.py [--examples seed-lstm] [--steps 600] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gui_common as gc  # noqa: E402

DEFAULT_STEPS = {"seed-lstm": 2000, "char-lm": 12}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", nargs="+", default=["seed-lstm"])
    p.add_argument("--steps", type=int, default=None, help="steps per run (default per example)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-heartbeat", dest="heartbeat", action="store_false")
    p.add_argument(
        "--switch-ms", type=float, default=1.0, help="GIL switch interval while training (0: 5 ms)"
    )
    args = p.parse_args(argv)
    gc.set_switch_interval(args.switch_ms or None)
    a = gc.app()
    threads = gc.set_gui_threads()
    print(
        f"platform {a.platformName()}, {os.cpu_count()} CPUs, torch threads {threads}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    ok = True
    for name in args.examples:
        steps = args.steps or DEFAULT_STEPS.get(name, 200)
        spec, base = gc.example(name, max_steps=steps, epochs=10_000)
        headless, gui, beats, redraws = [], [], [], []
        for _ in range(args.repeats):
            rate, _ = gc.headless_run(spec, base)
            headless.append(rate)
            run = gc.gui_run(spec, base, heartbeat=args.heartbeat)
            gui.append(run.samples_per_s)
            beats.append(run.heartbeat["p99_ms"])
            redraws.append(run.redraws_per_s)
            shown = f", {run.redraws_per_s:.1f} redraws/s" if run.redraws_per_s is not None else ""
            print(
                f"  {name}: headless {rate:9,.0f} samples/s | GUI {run.samples_per_s:9,.0f} "
                f"samples/s ({run.steps} steps, heartbeat p99 {run.heartbeat['p99_ms']:.1f} ms, "
                f"ratio {run.samples_per_s / rate:.2f}{shown})"
            )
        h, g = statistics.median(headless), statistics.median(gui)
        ratio = g / h if h else float("nan")
        paired = statistics.median(gg / hh for gg, hh in zip(gui, headless) if hh)
        ok &= ratio >= 0.90
        print(
            f"{name:<10} median headless {h:,.0f} samples/s, GUI {g:,.0f} samples/s -> "
            f"GUI/headless {ratio:.3f} ({'OK' if ratio >= 0.90 else 'UNDER'} 0.90); "
            f"median of the paired ratios {paired:.3f}"
        )
        counted = [r for r in redraws if r is not None]
        if counted:
            print(
                f"{name:<10} plots redrawn per second while training: min {min(counted):.1f}, "
                f"median {statistics.median(counted):.1f} (the floor is 5)"
            )
    print(f"load after: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
