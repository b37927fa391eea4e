"""Plot scale: 4 curves x 1,000,000 points in one ``LivePlot``; how long does a redraw take?

Measured offscreen (QT_QPA_PLATFORM=offscreen, software raster): for each trial the curves get new
data (one more point each, as in a live run: ``setData`` on the reused items) and then the widget is
rendered with ``widget.grab()`` — the same work a real repaint does (downsampling, path building,
painting). Also timed: a pure repaint without new data, and the same on a 1,000-point plot as a
side-by-side baseline. Wall time suffers from other processes on a busy machine, so the GUI
thread's own CPU time (``time.thread_time``) is printed too.

    python benchmarks/plot_scale.py [--points 1000000] [--curves 4] [--trials 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _measure(n_points: int, n_curves: int, trials: int, size=(900, 500)) -> dict[str, float]:
    import numpy as np

    from workbench.gui.plots.colors import PALETTE
    from workbench.gui.plots.live_plot import LivePlot

    plot = LivePlot("scale", "step")
    plot.resize(*size)
    plot.show()
    rng = np.random.default_rng(0)
    x = np.arange(n_points, dtype=np.float64)
    for k in range(n_curves):
        curve = plot.add_curve(f"c{k}", PALETTE[k])
        y = np.cumsum(rng.standard_normal(n_points)) + 10 * k
        curve.extend(x, y)
    plot.refresh()
    plot.grab()  # first layout / auto-range
    update, repaint, cpu = [], [], []
    for t in range(trials):
        t0, c0 = time.perf_counter(), time.thread_time()
        for k, curve in enumerate(plot.curves.values()):
            curve.append(n_points + t, float(k))
        plot.refresh()
        plot.grab()
        update.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        t0 = time.perf_counter()
        plot.grab()
        repaint.append(time.perf_counter() - t0)
    plot.close()
    plot.deleteLater()
    ms = 1000.0
    return {
        "update_median_ms": statistics.median(update) * ms,
        "update_p90_ms": sorted(update)[int(0.9 * (len(update) - 1))] * ms,
        "update_max_ms": max(update) * ms,
        "repaint_median_ms": statistics.median(repaint) * ms,
        "cpu_median_ms": statistics.median(cpu) * ms,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--curves", type=int, default=4)
    p.add_argument("--trials", type=int, default=30)
    args = p.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    base = _measure(1_000, args.curves, args.trials)
    big = _measure(args.points, args.curves, args.trials)
    app.processEvents()
    print(
        f"platform: {app.platformName()}  curves: {args.curves}  "
        f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for label, r in ((f"{1_000:>9,} points", base), (f"{args.points:>9,} points", big)):
        print(
            f"{label}: setData+render median {r['update_median_ms']:6.2f} ms  "
            f"p90 {r['update_p90_ms']:6.2f} ms  max {r['update_max_ms']:6.2f} ms  "
            f"| GUI-thread CPU median {r['cpu_median_ms']:6.2f} ms "
            f"| render only median {r['repaint_median_ms']:6.2f} ms"
        )
    ratio = big["update_median_ms"] / base["update_median_ms"]
    print(f"ratio big/small (median setData+render): {ratio:.2f}x")
    verdict = "OK" if big["update_median_ms"] <= 10.0 else "OVER"
    print(f"target: redraw of {args.curves} x {args.points:,} points <= 10 ms (wall) -> {verdict}")
    cpu_verdict = "OK" if big["cpu_median_ms"] <= 10.0 else "OVER"
    print(f"        same, GUI-thread CPU time (independent of other load) -> {cpu_verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
