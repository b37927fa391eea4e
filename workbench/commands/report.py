"""`workbench report RUN --out report.html [--checkpoint best|last] [--json]`: one
self-contained HTML file about a run (no network needed to open it)."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a trained run")
    p.add_argument("run_dir", help="a finished run's folder")
    p.add_argument("--out", default="report.html", help="the HTML file (default report.html)")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.serving.loaded import load_run
    from workbench.core.serving.report import write_report

    model_run = load_run(args.run_dir, args.checkpoint)
    path = write_report(model_run, args.out)
    if args.json:
        print(
            json.dumps({"run": str(model_run.path), "out": str(path), "bytes": path.stat().st_size})
        )
    else:
        print(f"report written to {path}")
    return 0
