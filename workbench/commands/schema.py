"""`workbench schema [--write]`: the project file's JSON Schema, generated from the spec.

``workbench schema > project.schema.json`` gives editors validation and completion;
``--write`` regenerates the shipped copies (resources/project.schema.json and
docs/project-format.md) after a spec field changed.
"""

from __future__ import annotations

import json
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of project files")
    p.add_argument(
        "--write",
        action="store_true",
        help="regenerate resources/project.schema.json and docs/project-format.md in the source tree",
    )
    p.set_defaults(run=run)


def schema_text() -> str:
    from workbench.core.spec.schema import json_schema

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_paths() -> tuple[Path, Path]:
    """(schema, reference) inside the source tree."""
    from workbench.core.resources import resources_dir

    root = resources_dir()
    return root / "project.schema.json", root.parent / "docs" / "project-format.md"


def run(args) -> int:
    if not args.write:
        print(schema_text(), end="")
        return 0
    from workbench.core.spec.project_file import atomic_write_bytes
    from workbench.core.spec.schema import markdown

    schema_path, docs_path = shipped_paths()
    atomic_write_bytes(schema_path, schema_text().encode("utf-8"))
    atomic_write_bytes(docs_path, markdown().encode("utf-8"))
    print(f"wrote {schema_path} and {docs_path}")
    return 0
