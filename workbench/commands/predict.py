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
    from workbench.core.serving.evaluation import load_inputs
    from workbench.core.serving.loaded import load_run
    from workbench.core.serving.output import Writer
    from workbench.core.serving.stream import predict_file

    if args.generate is not None:
        return generate(args)
    if args.file is not None and args.split is not None:
        from workbench.core.errors import WorkbenchError

        raise WorkbenchError("give a FILE or --split, not both")
    model_run = load_run(args.run_dir, args.checkpoint)
    vocab = model_run.pre.vocab
    with Writer(args.out, vocab) as writer:  # no --out: CSV to stdout once all is predicted
        if args.file is not None:
            source, notes = predict_file(model_run, args.file, writer)
        else:
            inputs = load_inputs(model_run, None, args.split)
            source, notes = inputs.source, inputs.notes
            from workbench.core.serving.predict import predict

            writer.write(predict(model_run, inputs), inputs)
        n = writer.commit()
    summary = {
        "run": str(model_run.path),
        "checkpoint": model_run.checkpoint,
        "task": model_run.task,
        "source": source,
        "n": n,
        "out": args.out,
    }
    if args.json:
        print(json.dumps(summary))
    elif args.out:
        print(f"{n} predictions from {source} written to {args.out}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
