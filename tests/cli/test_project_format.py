"""The project format reference and JSON Schema are generated from the spec and stay current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.commands.schema import schema_text, shipped_paths
from workbench.core.spec.project_file import list_examples
from workbench.core.spec.schema import json_schema, markdown

STALE = "out of date: run `workbench schema --write` and commit the result"
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _errors(value, schema: dict, root: dict, path: str = "$") -> list[str]:
    """A small JSON Schema checker: the keywords our generator emits, nothing more."""
    if "$ref" in schema:
        return _errors(value, root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, path)
    if "oneOf" in schema:
        ok = [s for s in schema["oneOf"] if not _errors(value, s, root, path)]
        return [] if len(ok) == 1 else [f"{path}: matches {len(ok)} of oneOf"]
    if "anyOf" in schema:
        ok = any(not _errors(value, s, root, path) for s in schema["anyOf"])
        return [] if ok else [f"{path}: matches none of anyOf"]
    out = []
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        fits = any(
            isinstance(value, _TYPES[k])
            and not (isinstance(value, bool) and k in ("integer", "number"))
            for k in kinds
        )
        if not fits:
            return [f"{path}: {value!r} is not {kinds}"]
    if "const" in schema and value != schema["const"]:
        out.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, bad in (
            ("minimum", lambda v, b: v < b),
            ("exclusiveMinimum", lambda v, b: v <= b),
            ("maximum", lambda v, b: v > b),
            ("exclusiveMaximum", lambda v, b: v >= b),
        ):
            if key in schema and bad(value, schema[key]):
                out.append(f"{path}: {value} breaks {key} {schema[key]}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{path}: {key!r} missing")
        for key, item in value.items():
            if key in props:
                out += _errors(item, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{path}: unknown {key!r}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += _errors(item, schema["items"], root, f"{path}[{i}]")
    return out


def test_reference_and_schema_files_are_current():
    schema_path, docs_path = shipped_paths()
    assert docs_path.read_text(encoding="utf-8") == markdown(), f"{docs_path} {STALE}"
    assert schema_path.read_text(encoding="utf-8") == schema_text(), f"{schema_path} {STALE}"


def test_reference_covers_every_section_and_the_prose():
    text = markdown()
    for needle in ("## `data.split`", "#### `lstm`", "`thousands`", "### Pooling", "`predefined`"):
        assert needle in text
    assert "| `window` | whole number | `24` | ≥ 1 |" in text


@pytest.mark.parametrize("example", list_examples(), ids=lambda e: e.name)
def test_every_shipped_example_validates(example):
    schema = json_schema()
    assert _errors(json.loads(example.path.read_text(encoding="utf-8")), schema, schema) == []


def test_the_schema_catches_what_the_loader_refuses():
    schema = json_schema()
    bad = {
        "data": {"task": "dancing", "window": 0, "surprise": 1},
        "model": {"layers": [{"type": "transformer"}, {"type": "gru", "hidden_size": 0}]},
        "train": {"optimizer": {"lr": 0}},
    }
    found = "\n".join(_errors(bad, schema, schema))
    for fragment in (
        "data.task",
        "data.window",
        "unknown 'surprise'",
        "layers[0]",
        "layers[1]",
        "lr",
    ):
        assert fragment in found, found


def test_schema_command_prints_it(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def test_data_inspect_of_a_project_uses_its_options(tmp_path, capsys):
    rows = ["when;u;v"] + [f"{2000 + i // 12}-{i % 12 + 1:02d};{i % 7},25;{i},5" for i in range(40)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    project = {"data": {"source": "d.csv", "task": "regression", "window": 5, "decimal": ","}}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(project))
    assert main(["data", "inspect", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (info["task"], info["window"], info["series_length"]) == ("regression", 5, 40)
    assert main(["data", "inspect", str(path), "--window", "7", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["window"] == 7
    assert Path(info["source"]).name == "d.csv"
