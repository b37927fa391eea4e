"""`workbench summary PROJECT [--json]`: a Keras-style table of the project's model."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("summary", help="print the model summary of a project")
    p.add_argument("project", help="project file or example:NAME")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.models.summary import summarize
    from workbench.core.project import load_project

    spec, _ = load_project(args.project)
    summary = summarize(spec.model)
    if args.json:
        print(json.dumps({"project": spec.name, **summary.to_dict()}))
    else:
        print(summary.to_text(spec.name))
    return 0
