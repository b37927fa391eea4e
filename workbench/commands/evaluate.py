"""`workbench evaluate RUN [FILE | --split S] [--checkpoint best|last] [--json]`: metrics of a
trained run on its test split (default) or on a labelled file."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    from workbench.commands.predict import add_common

    p = sub.add_parser("evaluate", help="metrics of a trained run on its test split or a file")
    add_common(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.serving.evaluation import load_inputs, run_evaluation
    from workbench.core.serving.loaded import load_run
    from workbench.core.serving.text import metrics_text

    model_run = load_run(args.run_dir, args.checkpoint)
    inputs = load_inputs(model_run, args.file, args.split)
    result = run_evaluation(model_run, inputs, need_targets=True)
    out = result.to_dict(model_run)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"run:        {out['run']} ({out['checkpoint']} checkpoint)")
        print(f"data:       {out['source']} ({out['n']} predictions)")
        print(metrics_text(model_run.task, result.metrics or {}))
    return 0
