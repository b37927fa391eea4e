"""`workbench data inspect FILE [options] [--json]`: what the loader sees in a data file.

FILE is a path, ``builtin:NAME`` or ``resource:FILE``. The options map one to one onto
``DataSpec`` fields; without ``--task`` the task that fits the format is used.
"""

from __future__ import annotations

import json


def _columns(text: str | None) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="look at data files the way the loader does")
    inner = p.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(p))
    p.set_defaults(run=_missing_action, data_parser=p)
    q = inner.add_parser("inspect", help="summarize a data file: sizes, classes, splits, preview")
    q.add_argument(
        "file",
        metavar="FILE",
        help="a data file, builtin:NAME, resource:FILE, or a project (PROJECT.json, "
        "example:NAME) to inspect its data with its options",
    )
    q.add_argument("--json", action="store_true", help="print one JSON object (last line)")
    fmt = q.add_argument_group("format")
    fmt.add_argument(
        "--format", choices=("auto", "wide_csv", "long_csv", "numpy", "text", "ts", "ucr_tsv")
    )
    fmt.add_argument(
        "--task",
        choices=("classification", "regression", "forecasting", "tagging", "language_model"),
    )
    fmt.add_argument("--delimiter", help="column separator (\\t for tab; default: sniffed)")
    fmt.add_argument("--decimal", choices=("auto", ".", ","))
    fmt.add_argument(
        "--thousands",
        choices=("auto", "none", ",", ".", " "),
        help="thousands separator (default: auto, detected per column)",
    )
    head = fmt.add_mutually_exclusive_group()
    head.add_argument("--header", dest="header", action="store_const", const=True, default=None)
    head.add_argument("--no-header", dest="header", action="store_const", const=False)
    cols = q.add_argument_group("columns")
    cols.add_argument("--features", help="feature columns, comma-separated")
    cols.add_argument("--targets", help="target / label columns, comma-separated")
    cols.add_argument("--ignore", help="columns left out, comma-separated")
    cols.add_argument("--id-column")
    cols.add_argument("--time-column")
    win = q.add_argument_group("windows and text")
    win.add_argument("--window", type=int)
    win.add_argument("--stride", type=int)
    win.add_argument("--horizon", type=int)
    win.add_argument("--x-key")
    win.add_argument("--y-key")
    win.add_argument("--level", choices=("char", "word"), help="text tokens")
    win.add_argument("--seq-len", type=int)
    win.add_argument("--min-freq", type=int)
    win.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="built-in generator parameter (repeatable), e.g. length=200",
    )
    prep = q.add_argument_group("splits and preprocessing")
    prep.add_argument("--split", choices=("auto", "random", "chronological", "predefined"))
    prep.add_argument("--val", type=float, help="validation fraction")
    prep.add_argument("--test", type=float, help="test fraction")
    prep.add_argument("--gap", type=int, help="steps left out between chronological splits")
    prep.add_argument("--seed", type=int, help="seed of the random split")
    prep.add_argument("--test-file", help="a separate test file (e.g. *_TEST.ts)")
    prep.add_argument("--normalize", choices=("zscore", "minmax", "none"))
    prep.add_argument("--missing", choices=("refuse", "drop", "interpolate"))
    q.set_defaults(run=run)


def _missing_action(args) -> int:
    from workbench.core.errors import WorkbenchError

    raise WorkbenchError("`workbench data` needs an action", "try: workbench data inspect FILE")


def _param(text: str):
    from workbench.core.errors import WorkbenchError

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise WorkbenchError(f"--param {text!r}: expected KEY=VALUE")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def spec_from_args(args) -> dict:
    """The DataSpec dict the options describe (only the fields that were given)."""
    data: dict = {"source": args.file}
    simple = {
        "format": args.format,
        "task": args.task,
        "delimiter": args.delimiter,
        "decimal": args.decimal,
        "thousands": args.thousands,
        "header": args.header,
        "id_column": args.id_column,
        "time_column": args.time_column,
        "window": args.window,
        "stride": args.stride,
        "horizon": args.horizon,
        "x_key": args.x_key,
        "y_key": args.y_key,
        "text_level": args.level,
        "seq_len": args.seq_len,
        "min_freq": args.min_freq,
        "test_source": args.test_file,
        "normalization": args.normalize,
        "missing": args.missing,
    }
    data.update({k: v for k, v in simple.items() if v is not None})
    for key, text in (
        ("feature_columns", args.features),
        ("target_columns", args.targets),
        ("ignore_columns", args.ignore),
    ):
        if text is not None:
            data[key] = _columns(text)
    if args.param:
        data["builtin"] = dict(_param(p) for p in args.param)
    split = {
        "kind": args.split,
        "val_fraction": args.val,
        "test_fraction": args.test,
        "gap": args.gap,
        "seed": args.seed,
    }
    split = {k: v for k, v in split.items() if v is not None}
    if split:
        data["split"] = split
    return data


def _is_project(ref: str) -> bool:
    return ref.startswith("example:") or ref.lower().endswith(".json")


def run(args) -> int:
    from workbench.core.spec.project import DataSpec

    data = spec_from_args(args)
    base_dir = None
    if _is_project(args.file):
        # The project's own data options, with the options given here on top.
        from workbench.core.spec.project_file import load_project

        project, base_dir = load_project(args.file)
        data.pop("source")
        data = {**project.data.to_dict(), **data}
        if "split" in data and isinstance(data["split"], dict):
            data["split"] = {**project.data.split.to_dict(), **data["split"]}
    spec = DataSpec.from_dict(data, path="data", source="command line")
    from workbench.core.data import inspect_data, natural_task  # after the cheap checks

    if args.task is None and base_dir is None:
        spec.task = natural_task(spec)
    if spec.format == "auto" and spec.source.startswith("builtin:"):
        spec.format = "builtin"
    summary = inspect_data(spec, base_dir)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        print(summary.to_text())
    return 0
