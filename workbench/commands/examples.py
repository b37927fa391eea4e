"""`workbench examples`: the shipped example projects, one line each."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("examples", help="list the example projects")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.spec.project_file import list_examples

    examples = list_examples()
    if args.json:
        print(
            json.dumps(
                {"examples": [{"name": e.name, "description": e.description} for e in examples]}
            )
        )
        return 0
    width = max((len(e.name) for e in examples), default=0)
    for e in examples:
        print(f"{e.name:<{width}}  {e.description}")
    print("\nUse one with: workbench train example:NAME  (or File ▸ Open Example in the app)")
    return 0
