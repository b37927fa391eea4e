"""Checkpoint files and their JSON metadata from a fuzzer: a resume either restores the
state or raises ``TrainingError`` naming the file — never another exception."""

from __future__ import annotations

import copy
import json

import pytest
from fuzzkit import FUZZ, time_limit
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_projects import json_values, paths

from workbench.core.errors import TrainingError
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer
from workbench.core.training import checkpoints as ck
from workbench.core.training.state import restore_checked


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("ck")
    spec = ProjectSpec.from_dict(
        {
            "name": "fuzz-ck",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 60}},
            "model": {"layers": [{"type": "gru", "hidden_size": 3}]},
            "train": {"batch_size": 16, "epochs": 1, "device": "cpu"},
        }
    )
    Trainer(spec, None, run_dir=root / "run").run()
    path = root / "run" / "checkpoints" / "last.safetensors"
    target = Trainer(spec, None, run_dir=root / "target")
    target.prepare()
    return path, target


def try_resume(path, target) -> None:
    with time_limit():
        try:
            tensors, meta = ck.load_checkpoint(path)
            restore_checked(target, path, tensors, meta)
        except TrainingError as exc:
            assert str(path) in str(exc)


@FUZZ
@given(data=st.data(), value=json_values, delete=st.booleans())
def test_edited_metadata(saved, tmp_path_factory, count, data, value, delete):
    count("checkpoint: edited metadata")
    path, target = saved
    tensors, meta = ck.load_checkpoint(path)
    where = data.draw(st.sampled_from([p for p in paths(meta) if p]))
    meta = copy.deepcopy(meta)
    node = meta
    for key in where[:-1]:
        node = node[key]
    if delete and isinstance(node, dict):
        node.pop(where[-1], None)
    else:
        node[where[-1]] = value
    try:
        json.dumps(meta)
    except ValueError:
        return
    out = tmp_path_factory.mktemp("c") / "last.safetensors"
    ck.save_checkpoint(out, tensors, meta)  # re-hashed: the checks behind the hash are fuzzed
    try_resume(out, target)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 7)), min_size=1, max_size=4))
def test_flipped_bits(saved, tmp_path_factory, count, flips):
    count("checkpoint: flipped bits")
    path, target = saved
    payload = bytearray(path.read_bytes())
    for where, bit in flips:
        payload[where % len(payload)] ^= 1 << bit
    out = tmp_path_factory.mktemp("c") / "last.safetensors"
    out.write_bytes(bytes(payload))
    try_resume(out, target)


@FUZZ
@given(payload=st.binary(max_size=400))
def test_any_bytes_as_a_checkpoint(tmp_path_factory, count, payload, saved):
    count("checkpoint: any bytes")
    out = tmp_path_factory.mktemp("c") / "last.safetensors"
    out.write_bytes(payload)
    try_resume(out, saved[1])
