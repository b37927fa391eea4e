"""How fast the window appears: `python -m workbench` vs a bare PySide6 window, side by side.

Each run spawns a fresh process and measures from just before the spawn to the first paint of
the window (the app writes it when ``WORKBENCH_STARTUP_PROBE=PATH`` is set), and to the end of
start-up (preview plot, training panel, torch and the device list loaded). The baseline is a
process that imports PySide6.QtWidgets and paints an empty QMainWindow — the floor for any
Qt app on this machine. Runs alternate so both see the same machine load.

    python benchmarks/startup.py [--runs 5] [--no-bytecode]

Like an installed package (pip byte-compiles on install), the child processes may write and
use ``__pycache__``; ``--no-bytecode`` keeps ``PYTHONDONTWRITEBYTECODE`` if it is set, which
makes every start compile the workbench's modules again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = r"""
import json, sys, time
from PySide6.QtCore import QObject, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 820)
class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window:
            with open(sys.argv[1], "w") as f:
                json.dump({"visible": time.time()}, f)
            QTimer.singleShot(0, app.quit)
        return False
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def _run(cmd: list[str], probe: Path, env: dict[str, str]) -> dict[str, float]:
    probe.unlink(missing_ok=True)
    start = time.time()
    subprocess.run(cmd, env=env, check=True, timeout=120, stdout=subprocess.DEVNULL)
    times = json.loads(probe.read_text())
    stall = times.pop("max_stall", float("nan"))
    return {**{key: value - start for key, value in times.items()}, "max_stall": stall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE")
    args = parser.parse_args()
    env = dict(os.environ)
    if not args.no_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.json"
        env["WORKBENCH_SETTINGS_DIR"] = tmp
        app_env = dict(env, WORKBENCH_STARTUP_PROBE=str(probe))
        app_cmd = [sys.executable, "-m", "workbench"]
        base_cmd = [sys.executable, "-c", BASELINE, str(probe)]
        _run(app_cmd, probe, app_env)  # warm the file cache once for both
        app_visible, app_ready, base_visible, stalls = [], [], [], []
        for _ in range(args.runs):
            base_visible.append(_run(base_cmd, probe, env)["visible"])
            times = _run(app_cmd, probe, app_env)
            app_visible.append(times["visible"])
            app_ready.append(times.get("ready", float("nan")))
            stalls.append(times["max_stall"])
    med = statistics.median
    bytecode = "no .pyc (compiled at every start)" if args.no_bytecode else ".pyc cached"
    print(f"runs: {args.runs} each, alternating; {bytecode}; load {os.getloadavg()[0]:.1f}")
    print("medians (min–max), seconds from spawn:")
    print(
        f"bare PySide6 window visible : {med(base_visible):.3f} s "
        f"({min(base_visible):.3f}–{max(base_visible):.3f})"
    )
    print(
        f"workbench window visible    : {med(app_visible):.3f} s "
        f"({min(app_visible):.3f}–{max(app_visible):.3f})"
    )
    print(
        f"workbench fully loaded      : {med(app_ready):.3f} s "
        f"({min(app_ready):.3f}–{max(app_ready):.3f})  (plots, training panel, torch, devices)"
    )
    print(
        f"longest GUI stall in between: {med(stalls):.3f} s ({min(stalls):.3f}–{max(stalls):.3f})"
        "  (10 ms heartbeat from first paint to fully loaded)"
    )
    print(f"ratio visible / bare window : {med(app_visible) / med(base_visible):.2f}x")
    print(f"target visible <= 1.0 s     : {'met' if med(app_visible) <= 1.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
