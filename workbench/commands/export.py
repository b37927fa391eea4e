"""`workbench export RUN --format onnx|torchscript|pt2|pytorch|safetensors [--out DIR] [--json]`:
the run's model in a form other tools load, verified against the workbench's own outputs."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="export a trained run's model (ONNX, TorchScript, …)")
    p.add_argument("run_dir", help="a finished run's folder")
    p.add_argument(
        "--format", required=True, choices=("onnx", "torchscript", "pt2", "pytorch", "safetensors")
    )
    p.add_argument("--out", help="folder to write into (default: RUN/export-FORMAT)")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.serving.export import export_run
    from workbench.core.serving.loaded import load_run

    result = export_run(load_run(args.run_dir, args.checkpoint), args.format, args.out)
    out = result.to_dict()
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"exported {args.format} to {out['folder']}: {', '.join(out['files'])}")
    if out["compared"]:
        print(
            f"verified on {out['compared']} test sequences: max |Δ| {out['max_abs_diff']:.3g}"
            + (f" (ONNX opset {out['opset']})" if "opset" in out else "")
        )
    return 0
