"""Training on several processes (DDP over gloo on the CPU), launched the way users launch it.

The workers are real processes started by torch's elastic launcher (``--nproc`` and a
simulated 2-machine ``torchrun``); one launch of two processes trains a classifier and a
truncated-BPTT language model, and the other tests compare against it. Process start-up
(importing torch in every worker) is most of the time these take.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from process_helpers import processes_mentioning
from safetensors.torch import load_file

from workbench.core.errors import DataError
from workbench.core.runs import read_metrics
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import save_project
from workbench.core.training import Trainer
from workbench.core.training.checkpoints import read_state_dict
from workbench.core.training.distributed import STOP_FILE, Distributed
from workbench.core.training.launch import _root_cause, launch_local, peer_lost, record_failure

WORKER = Path(__file__).with_name("ddp_worker.py")
pytestmark = pytest.mark.slow

TEXT = "".join(f"line {i}: the quick brown fox jumps over {i % 7} lazy dogs.\n" for i in range(60))


def seed_project(path: Path) -> Path:
    # 160 sequences → 112 for training: 56 per process, 8 per step: 7 steps, no padding.
    spec = ProjectSpec.from_dict(
        {
            "name": "ddp-seed",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
            "train": {"batch_size": 16, "epochs": 2, "device": "cpu"},
        }
    )
    save_project(spec, path)
    return path


def lm_project(path: Path) -> Path:
    (path.parent / "tiny.txt").write_text(TEXT, encoding="utf-8")
    spec = ProjectSpec.from_dict(
        {
            "name": "ddp-lm",
            "data": {
                "source": "tiny.txt",
                "format": "text",
                "task": "language_model",
                "seq_len": 16,
            },
            "model": {
                "input": {"kind": "tokens"},
                "layers": [{"type": "gru", "hidden_size": 16}],
                "head": {"kind": "per_step"},
            },
            "train": {"batch_size": 8, "epochs": 2, "device": "cpu"},
        }
    )
    save_project(spec, path)
    return path


def step_losses(run_dir: Path) -> list[float]:
    return [r["loss"] for r in read_metrics(run_dir / "metrics.jsonl") if r.get("type") == "step"]


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path))


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    """One launch of 2 processes that trains the classifier and the language model."""
    root = tmp_path_factory.mktemp("ddp")
    seed, lm = seed_project(root / "seed.json"), lm_project(root / "lm.json")
    out = root / "out"
    out.mkdir()
    args = [str(out), str(seed), str(root / "seed-run"), str(lm), str(root / "lm-run")]
    outcome = launch_local(args, 2, root / "seed-run", entry=[str(WORKER)])
    assert outcome.status == "completed", outcome
    return root


@pytest.mark.parametrize("name", ["seed", "lm"])
def test_two_processes_equal_one_on_the_same_global_batches(two_process_run, tmp_path, name):
    root = two_process_run
    rank0 = weights(root / "out" / f"{name}-run.rank0.safetensors")
    rank1 = weights(root / "out" / f"{name}-run.rank1.safetensors")
    assert rank0.keys() == rank1.keys()
    for key in rank0:  # DDP keeps the replicas identical, bit for bit
        assert torch.equal(rank0[key], rank1[key]), key

    from workbench.core.spec.project_file import load_project

    spec, base = load_project(root / f"{name}.json")
    single = Trainer(spec, base, run_dir=tmp_path / "single").run()
    assert single.status == "completed"
    ddp_losses, one_losses = step_losses(root / f"{name}-run"), step_losses(tmp_path / "single")
    assert len(ddp_losses) == len(one_losses) == single.steps
    assert max(abs(a - b) for a, b in zip(ddp_losses, one_losses)) <= 1e-5
    final = read_state_dict(tmp_path / "single" / "checkpoints" / "last.safetensors")
    for key in rank0:
        torch.testing.assert_close(rank0[key], final[key], rtol=0, atol=1e-5)


def test_the_run_folder_is_written_once(two_process_run):
    run = two_process_run / "seed-run"
    records = read_metrics(run / "metrics.jsonl")
    kinds = [r["type"] for r in records]
    assert kinds.count("start") == 1 and kinds.count("end") == 1
    assert [r["step"] for r in records if r["type"] == "step"] == list(range(1, 15))
    assert next(r for r in records if r["type"] == "start")["processes"] == 2
    assert sorted(p.name for p in run.iterdir()) == [
        ".lock",  # the run-folder lock file (released, left in place)
        "checkpoints",
        "metrics.jsonl",
        "preprocessing.json",
        "project.json",
        "run.json",
        "status.json",
        "steps",
    ]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "best.safetensors",
        "last.safetensors",
    ]
    assert json.loads((run / "status.json").read_text())["status"] == "completed"


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        timeout=240,
        **kw,
    )


def test_stop_then_resume_on_two_processes_is_exact(two_process_run, tmp_path):
    root = two_process_run
    run = tmp_path / "run"
    run.mkdir()
    (run / STOP_FILE).write_text("")  # a stop request, made while processes start
    done = cli("train", str(root / "seed.json"), "--nproc", "2", "--run-dir", str(run), "--json")
    assert done.returncode == 130, done.stderr  # stopped by the user, as for one process
    assert json.loads(done.stdout.splitlines()[-1])["status"] == "stopped"
    assert not (run / STOP_FILE).exists()  # consumed: the resume is not stopped by it
    assert json.loads((run / "status.json").read_text())["step"] == 1

    done = cli("resume", str(run), "--json")  # on 2 processes, as the run was trained
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "completed" and result["steps"] == 14
    resumed = read_state_dict(run / "checkpoints" / "last.safetensors")
    reference = weights(root / "out" / "seed-run.rank0.safetensors")
    for key in reference:
        assert torch.equal(resumed[key], reference[key]), key


def test_a_failing_process_fails_the_run_fast_and_leaves_no_process(tmp_path, monkeypatch):
    project = seed_project(tmp_path / "seed.json")
    out = tmp_path / "out"
    out.mkdir()
    run = tmp_path / "fail-run"
    monkeypatch.setenv("DDP_TEST_FAIL", "1:3")
    outcome = launch_local([str(out), str(project), str(run)], 2, run, entry=[str(WORKER)])
    ended = time.time()
    assert outcome.status == "failed" and outcome.rank == 1
    assert "injected failure on rank 1 at step 3" in outcome.message
    assert ended - float((out / "failed_at").read_text()) < 10
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "failed" and "injected failure" in status["message"]
    assert read_metrics(run / "metrics.jsonl")[-1]["status"] == "failed"
    assert processes_mentioning(str(out)) == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_machines_simulated_with_two_torchrun_launchers(two_process_run, tmp_path):
    root = two_process_run
    run = tmp_path / "run"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes",
        "2",
        "--nproc-per-node",
        "1",
        "--rdzv-backend",
        "c10d",
        "--rdzv-endpoint",
        f"127.0.0.1:{port}",
        "--rdzv-id",
        "wb-test",
        "-m",
        "workbench",
        "train",
        str(root / "seed.json"),
        "--run-dir",
        str(run),
        "--json",
    ]
    nodes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [node.communicate(timeout=240) for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], [err for _, err in outputs]
    printed = [json.loads(out.splitlines()[-1]) for out, _ in outputs if out.strip()]
    assert len(printed) == 1 and printed[0]["status"] == "completed"  # rank 0 reports
    final = read_state_dict(run / "checkpoints" / "last.safetensors")
    reference = weights(root / "out" / "seed-run.rank0.safetensors")
    for key in reference:
        assert torch.equal(final[key], reference[key]), key


def test_shards_are_disjoint_and_follow_distributed_sampler():
    order = torch.randperm(11, generator=torch.Generator().manual_seed(0))
    shards = [Distributed(r, 3, r).shard_order(order) for r in range(3)]
    assert {len(s) for s in shards} == {4}
    # DistributedSampler's layout: pad by repeating the start, then every W-th index.
    padded = torch.cat([order, order[:1]])
    for r, shard in enumerate(shards):
        assert torch.equal(shard, padded[r::3])
    assert sorted(torch.cat(shards)[:11].tolist()) == list(range(11))


def test_global_batch_rule_and_language_model_rows():
    per, note = Distributed(0, 3, 0).rank_batch(10)
    assert per == 3 and "global batch of 9" in note
    assert Distributed(0, 2, 0).rank_batch(16) == (8, None)
    assert Distributed(0, 4, 0).rank_batch(2)[0] == 1
    stream = torch.arange(103)
    parts = [Distributed(r, 2, r).lm_shard(stream, 4) for r in range(2)]
    # the rows of the single-process layout with 8 rows of 12 tokens, 4 per process
    single = stream[: 8 * 12].view(8, 12)
    for r, part in enumerate(parts):
        assert torch.equal(part.view(4, 12), single[4 * r : 4 * r + 4])


def recorded(tmp_path: Path, name: str, exc: BaseException, at: float) -> str:
    """An error file as a worker leaves it (``record_failure``), written at time ``at``."""
    path = tmp_path / name
    os.environ["TORCHELASTIC_ERROR_FILE"] = str(path)
    try:
        record_failure(exc)
    finally:
        del os.environ["TORCHELASTIC_ERROR_FILE"]
    data = json.loads(path.read_text())
    data["message"]["extraInfo"]["workbench_time"] = at
    path.write_text(json.dumps(data))
    return str(path)


def test_the_first_recorded_failure_is_the_cause_and_peer_loss_is_a_symptom(tmp_path):
    from torch.distributed.elastic.multiprocessing.errors import ProcessFailure

    lost = RuntimeError("[gloo/transport/tcp/pair.cc:553] Connection closed by peer [::1]:1")
    assert peer_lost(lost) and not peer_lost(ValueError("bad value"))
    failures = {
        0: ProcessFailure(0, 10, 1, recorded(tmp_path, "r0.json", lost, at=2.0)),
        1: ProcessFailure(1, 11, 2, recorded(tmp_path, "r1.json", DataError("bad.csv"), at=1.0)),
        2: ProcessFailure(2, 12, -15, str(tmp_path / "none.json")),  # killed: no file
    }
    assert _root_cause(failures) == (1, "bad.csv", 2)
    rank, message, code = _root_cause({2: failures[2]})
    assert (rank, code) == (2, -15) and "SIGTERM" in message


def test_a_two_process_run_continues_on_one_process_with_a_note(two_process_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(two_process_run / "seed-run", run)
    result = Trainer.resume(run, epochs=3).run()
    assert result.status == "completed" and result.epochs == 3 and result.steps == 21
    notes = [r["message"] for r in read_metrics(run / "metrics.jsonl") if r["type"] == "note"]
    assert any("trained on 2 process(es) and continues on 1" in n for n in notes), notes


def torchrun(*args: str) -> list[str]:
    """A plain ``torchrun --standalone`` command line (no workbench launcher around it)."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", *args]


def test_plain_torchrun_a_failing_rank_ends_the_run_failed_with_its_error(tmp_path):
    project = seed_project(tmp_path / "seed.json")
    out, run = tmp_path / "out", tmp_path / "run"
    out.mkdir()
    command = torchrun("--nproc-per-node", "2", str(WORKER), str(out), str(project), str(run))
    env = {**os.environ, "DDP_TEST_FAIL": "1:3"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode != 0
    # Rank 0 wrote the end (torchrun writes nothing), with rank 1's own error as the cause.
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "failed", status
    assert "process 1 failed" in status["message"] and "injected failure" in status["message"]
    assert processes_mentioning(str(out)) == []


def test_plain_torchrun_rank_0_killed_reads_as_interrupted(tmp_path):
    import signal

    from workbench.core.runs import RunDir

    project = seed_project(tmp_path / "seed.json")
    spec = json.loads(project.read_text())
    spec["train"]["epochs"] = 500  # long enough to be killed while it trains
    project.write_text(json.dumps(spec))
    run = tmp_path / "run"
    command = torchrun("--nproc-per-node", "2", "-m", "workbench", "train", str(project))
    launcher = subprocess.Popen(
        [*command, "--run-dir", str(run)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 180
        status: dict = {}
        while time.monotonic() < deadline and not (status.get("step") or 0) >= 1:
            time.sleep(0.2)
            status = RunDir(run).read_status()
        assert status.get("status") == "running", status
        os.kill(status["pid"], signal.SIGKILL)  # rank 0, the writer of the folder
        launcher.communicate(timeout=120)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    assert RunDir(run).read_status()["status"] == "interrupted"
    assert processes_mentioning(str(run)) == []


def test_rank_0_reports_an_error_every_process_met(tmp_path):
    from torch.distributed.elastic.multiprocessing.errors import ProcessFailure

    error = DataError("bad.csv")
    failures = {
        0: ProcessFailure(0, 10, 2, recorded(tmp_path, "r0.json", error, at=2.0)),
        1: ProcessFailure(1, 11, 2, recorded(tmp_path, "r1.json", error, at=1.0)),
    }
    assert _root_cause(failures) == (0, "bad.csv", 2)
