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
    from workbench.core.spec.project_file import load_project

    spec, base_dir = load_project(args.project)
    summary = summarize(spec.model)
    mismatch = data_mismatch(spec, base_dir)
    if args.json:
        print(json.dumps({"project": spec.name, **summary.to_dict(), "data_mismatch": mismatch}))
    else:
        print(summary.to_text(spec.name))
        if mismatch:
            print("\nnote: the model's sizes do not match its data; training will change them:")
            for line in mismatch:
                print(f"  {line}")
    return 0


def data_mismatch(spec, base_dir) -> list[str]:
    """What training would change in the model to fit the project's data ([] when it fits).

    The model summary above shows the project as written: a mismatch is said, never hidden.
    """
    from workbench.core.data import inspect_data
    from workbench.core.errors import WorkbenchError
    from workbench.core.spec.model_fit import DataShape, fit_model_to_data

    try:
        data = inspect_data(spec.data, base_dir)
    except WorkbenchError as exc:
        return [f"the data could not be read to check ({exc.message})"]
    return fit_model_to_data(spec.model.copy(), DataShape.of(data), head_kind=False)
