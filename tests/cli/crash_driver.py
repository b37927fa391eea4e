"""Runs `workbench` commands in forked children and SIGKILLs them at exact moments.

Used by ``test_crash_resume.py``: ``python crash_driver.py JOBS.json`` prints one JSON list,
what each job ended with and what its run folder looked like right after. Torch is imported
once here and every job is a fork running the real ``cli.main`` — a fresh interpreter per job
would spend ~4 s of CPU importing torch each time.

A job is ``{"argv": [...], "run": DIR, "kill": null | ["step", N] | ["write", N] | ["outside", 0]}``:
die right after step N was logged, half-way through writing the N-th checkpoint file, or be
killed by this parent once the first epoch and a checkpoint are on disk.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

os.environ["WORKBENCH_TORCH_THREADS"] = "1"  # one summation order in every process

import torch  # noqa: E402

import workbench.commands.resume  # noqa: E402, F401 - imported once, before the forks
import workbench.commands.train  # noqa: E402, F401
import workbench.core.data  # noqa: E402, F401
import workbench.core.training.trainer as trainer_module  # noqa: E402
from workbench.cli import main  # noqa: E402
from workbench.core.runs import MetricsLog, RunDir, read_metrics  # noqa: E402


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(kind: str, at: int) -> None:
    """In the child: make it die at the chosen moment."""
    if kind == "step":
        write_step = MetricsLog.write_step

        def dying_write_step(self, step, *rest):
            write_step(self, step, *rest)
            if step == at:
                self.flush()  # what the OS already has survives a SIGKILL
                die()

        MetricsLog.write_step = dying_write_step
    elif kind == "write":
        real_write, calls = trainer_module.atomic_write_bytes, [0]

        def torn_write(path, payload):
            calls[0] += 1
            if calls[0] == at:
                path = Path(path)
                fd, _ = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                os.write(fd, payload[: len(payload) // 2])
                die()
            real_write(path, payload)

        trainer_module.atomic_write_bytes = torn_write


def run_job(job: dict) -> dict:
    kind, at = job.get("kill") or (None, 0)
    run = Path(job["run"])
    pid = os.fork()
    if pid == 0:  # the child: the real command line
        code = 1
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the child exits right after
            if kind in ("step", "write"):
                arm(kind, at)
            code = main(job["argv"])
        finally:
            os._exit(code)
    if kind == "outside":
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            read_metrics(run / "metrics.jsonl", "epoch")
            and (run / "checkpoints" / "last.safetensors").is_file()
        ):
            time.sleep(0.005)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    files = [*run.iterdir(), *(run / "checkpoints").iterdir()] if run.is_dir() else []
    raw = json.loads((run / "status.json").read_text()) if (run / "status.json").exists() else {}
    return {
        "code": code,
        "raw_status": raw.get("status"),
        "status": RunDir(run).read_status().get("status"),
        "temp_files": sorted(p.name for p in files if p.name.endswith(".tmp")),
        "epochs_logged": [r["epoch"] for r in read_metrics(run / "metrics.jsonl", "epoch")],
    }


if __name__ == "__main__":
    # Building the first Adam imports torch._dynamo (~3 s of CPU): once here, not per child.
    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps([run_job(job) for job in jobs]))
