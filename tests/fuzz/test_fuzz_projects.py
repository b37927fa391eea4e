"""Project files from a fuzzer: every input loads, or raises the project's user error."""

from __future__ import annotations

import json
from pathlib import Path

from fuzzkit import FUZZ, time_limit
from hypothesis import given
from hypothesis import strategies as st

from workbench.core.errors import WorkbenchError
from workbench.core.resources import examples_dir
from workbench.core.spec.project_file import load_project

EXAMPLE = json.loads((examples_dir() / "seed-lstm.json").read_text(encoding="utf-8"))

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "\ud800", "lstm", "gru", "auto", "builtin:seed", "example:x"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(node, prefix=()):
    """Every (path to a value) in a JSON tree."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i))


ALL_PATHS = [p for p in paths(EXAMPLE) if p]


def mutate(data, path, value, delete):
    data = json.loads(json.dumps(data))
    node = data
    for key in path[:-1]:
        node = node[key]
    if delete and isinstance(node, dict):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return data


def check_loads_or_user_error(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(payload)
    with time_limit():
        try:
            spec, _ = load_project(path)
        except WorkbenchError:
            return
        spec.problems()
        spec.to_dict()


@FUZZ
@given(
    path=st.sampled_from(ALL_PATHS),
    value=json_values,
    delete=st.booleans(),
)
def test_mutated_example_projects(tmp_path_factory, count, path, value, delete):
    count("project (mutated field)")
    data = mutate(EXAMPLE, path, value, delete)
    text = json.dumps(data, ensure_ascii=True)  # lone surrogates survive as \ud800 escapes
    check_loads_or_user_error(tmp_path_factory.mktemp("p"), text.encode("utf-8"))


@FUZZ
@given(value=json_values)
def test_any_json_as_a_project(tmp_path_factory, count, value):
    count("project (any JSON)")
    text = json.dumps(value, ensure_ascii=True)
    check_loads_or_user_error(tmp_path_factory.mktemp("p"), text.encode("utf-8"))


@FUZZ
@given(payload=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_a_project(tmp_path_factory, count, payload):
    count("project (any bytes)")
    check_loads_or_user_error(tmp_path_factory.mktemp("p"), payload)


@FUZZ
@given(depth=st.integers(min_value=1, max_value=5000), digits=st.integers(1, 6000))
def test_deep_and_huge_numbers(tmp_path_factory, count, depth, digits):
    count("project (deep / huge)")
    deep = '{"name": ' + "[" * depth + "]" * depth + "}"
    huge = '{"name": "x", "train": {"seed": ' + "7" * digits + "}}"
    tmp = tmp_path_factory.mktemp("p")
    check_loads_or_user_error(tmp, deep.encode())
    check_loads_or_user_error(tmp, huge.encode())
