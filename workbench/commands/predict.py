"""`workbench predict RUN [FILE | --split S] [--checkpoint best|last] [--out F] [--json]`:
the run's model applied to new data prepared with the run's fitted preprocessing."""

from __future__ import annotations

import json
import sys


def add_common(p) -> None:
    p.add_argument("run_dir", help="a finished run's folder (printed by `workbench train`)")
    p.add_argument("file", nargs="?", help="a file of the same kind as the training data")
    p.add_argument("--split", choices=("train", "val", "test"), help="one of the run's splits")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="apply a trained run's model to a file or split")
    add_common(p)
    p.add_argument("--out", help="write predictions to F.csv, F.npy or F.jsonl")
    g = p.add_argument_group("language models: sample text instead")
    g.add_argument("--generate", type=int, metavar="N", help="sample N tokens after --prime")
    g.add_argument("--prime", default="", help="text the sample continues (default: none)")
    g.add_argument("--seed", type=int, default=0, help="seed of the sampler (default 0)")
    g.add_argument("--temperature", type=float, default=1.0, help="0: always the likeliest")
    p.set_defaults(run=run)


def generate(args) -> int:
    from workbench.core.errors import WorkbenchError
    from workbench.core.serving.loaded import load_run
    from workbench.core.serving.predict import sample

    model_run = load_run(args.run_dir, args.checkpoint)
    if model_run.task != "language_model":
        raise WorkbenchError("--generate samples text from a language model", "use predict FILE")
    text = sample(model_run, args.prime, args.generate, args.seed, args.temperature)
    if args.json:
        print(json.dumps({"run": str(model_run.path), "prime": args.prime, "sample": text}))
    else:
        print(args.prime + text)
    return 0


def run(args) -> int:
    from workbench.core.serving import output
    from workbench.core.serving.evaluation import load_inputs, run_evaluation
    from workbench.core.serving.loaded import load_run

    if args.generate is not None:
        return generate(args)
    model_run = load_run(args.run_dir, args.checkpoint)
    inputs = load_inputs(model_run, args.file, args.split)
    result = run_evaluation(model_run, inputs)
    vocab = model_run.pre.vocab
    if args.out:
        output.write(args.out, result.preds, inputs, vocab)
    summary = {
        "run": str(model_run.path),
        "checkpoint": model_run.checkpoint,
        "task": model_run.task,
        "source": inputs.source,
        "n": len(result.preds),
        "out": args.out,
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    if not args.out:  # no file: the predictions go to stdout as CSV
        import csv

        header, records = output.rows(result.preds, inputs, vocab)
        writer = csv.DictWriter(sys.stdout, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for r in records:
            writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
    else:
        print(f"{summary['n']} predictions from {inputs.source} written to {args.out}")
    for note in inputs.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
