"""A worker for the multi-process tests, started by torch's elastic launcher (never by pytest).

``python ddp_worker.py OUT PROJECT RUN_DIR [PROJECT RUN_DIR …]`` trains each project with the
core ``Trainer`` (which joins the process group from the launcher's environment) and saves
this rank's final weights as ``OUT/<run name>.rank<R>.safetensors``, so the test can compare
the ranks bit by bit. ``DDP_TEST_FAIL=RANK:STEP`` makes that rank raise after that step.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from safetensors.torch import save_file

from workbench.core.spec.project_file import load_project
from workbench.core.training import Trainer
from workbench.core.training.launch import record_failure


class FailAt:
    def __init__(self, rank: int, step: int, out: Path) -> None:
        self.rank, self.step, self.out = rank, step, out

    def on_step_end(self, trainer, info) -> None:
        if trainer.ddp.rank == self.rank and info.step == self.step:
            (self.out / "failed_at").write_text(repr(time.time()))
            raise RuntimeError(f"injected failure on rank {self.rank} at step {self.step}")


def main() -> None:
    out, pairs = Path(sys.argv[1]), sys.argv[2:]
    fail = os.environ.get("DDP_TEST_FAIL")
    for project, run_dir in zip(pairs[::2], pairs[1::2]):
        spec, base = load_project(project)
        trainer = Trainer(spec, base, run_dir=run_dir)
        if fail:
            rank, step = (int(v) for v in fail.split(":"))
            trainer.add_callback(FailAt(rank, step, out))
        trainer.run()
        weights = {k: v.contiguous() for k, v in trainer.model.state_dict().items()}
        save_file(weights, str(out / f"{Path(run_dir).name}.rank{trainer.ddp.rank}.safetensors"))


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:
        record_failure(exc)
        raise
