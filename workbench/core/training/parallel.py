"""The trainer's side of a multi-process run: what changes when ``self.ddp`` is set.

Kept out of ``trainer.py`` so the single-process path reads as before; every method here is
only reached when a torch launcher started this process as one of several (see
``distributed.py`` for the rules). All collectives are called at the same points on every
process — the loop's step count, epoch ends and checkpoints are identical across ranks by
construction — so no process ever waits for a collective the others skip.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from workbench.core.errors import TrainingError
from workbench.core.training import checkpoints as ck
from workbench.core.training.distributed import Distributed
from workbench.core.training.rank_failure import (
    Terminated,
    find_failure,
    leave_failure,
    raise_on_sigterm,
)


class NullLog:
    """The metrics log of ranks other than 0: they write nothing."""

    def write(self, record: dict[str, Any]) -> None:
        pass

    def write_step(self, *args: Any) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class ParallelMixin:
    """Multi-process parts of ``Trainer`` (which supplies the attributes used here)."""

    ddp: Distributed | None = None
    _started_at = 0.0  # time.time() when run() began: older error files are not this run's

    @property
    def writes_run(self: Any) -> bool:
        """True for the one process that writes the run folder (rank 0, or the only one)."""
        return self.ddp is None or self.ddp.main

    # ---- set-up ---------------------------------------------------------------------------
    def _join_group(self: Any) -> None:
        self.ddp = Distributed.from_env()
        if self.ddp is not None:
            self.device = self.ddp.init(self.device)
            if self.ddp.main:  # so that a launcher's SIGTERM still writes the run's end
                raise_on_sigterm()

    def _parallel_failure(self: Any, message: str, exc: BaseException | None) -> str:
        """What a failed multi-process run reports. A process other than rank 0 leaves its
        own error in the run folder; rank 0, ended by a symptom (a lost peer, the launcher's
        SIGTERM), reports the failing process's error instead (``rank_failure.py``)."""
        from workbench.core.training.launch import peer_lost

        folder = self._rundir.path if self._rundir is not None else None
        symptom = exc is not None and peer_lost(exc)
        if folder is None:
            return message
        if not self.ddp.main:
            if not symptom:
                leave_failure(folder, self.ddp.rank, message)
            return message
        if not symptom:
            return message
        found = find_failure(folder, self._started_at)
        if found is not None:
            return f"process {found[0]} failed: {found[1]}"
        if isinstance(exc, Terminated):
            return (
                "ended by the launcher (SIGTERM), which stops every process once one has "
                "failed; its output names that process"
            )
        return message

    def _rank_batch(self: Any) -> int:
        """Sequences (language-model rows) per step on this process."""
        size = self.spec.train.batch_size
        if self.ddp is None:
            return size
        per, note = self.ddp.rank_batch(size)
        if note:
            self.notes.append(note)
        return per

    def _rank_train_len(self: Any, n_train: int) -> int:
        """How much of the training split one process walks through per epoch."""
        if self.ddp is None:
            return n_train
        if self.lm:
            return self.ddp.lm_shard_len(n_train, self._batch_size)
        return self.ddp.shard_len(n_train)

    def _agree_run_dir(self: Any, run_dir: Path | None) -> Path | None:
        """Rank 0's run folder on every process (it may have picked a default name)."""
        if self.ddp is None:
            return run_dir
        return Path(self.ddp.broadcast(str(run_dir) if self.ddp.main else None))

    # ---- batches --------------------------------------------------------------------------
    def _parallel_source(self: Any, split: Any) -> Any:
        from workbench.core.data.batching import iterate_batches, lm_batches

        if self.lm:
            stream = self.ddp.lm_shard(split.x, self._batch_size)
            return (
                (x, y, None, None)
                for x, y in lm_batches(stream, self._batch_size, self.spec.data.seq_len)
            )
        order = self.ddp.shard_order(torch.randperm(len(split), generator=self.generator))
        return iterate_batches(split, self._batch_size, shuffle=False, order=order)

    # ---- agreeing on what happens next ----------------------------------------------------
    def _requests(self: Any) -> tuple[bool, bool]:
        """This process's (stop, save-a-checkpoint-now) wishes, for the next reduction."""
        now = time.perf_counter()
        stop = self.control.stop_requested or self.ddp.poll_stop(now)
        save = self.ddp.main and now - self._last_save > self.checkpoint_every_s
        return stop, save

    def _reduce_one(self: Any, value: float, weight: int, n: int) -> tuple[float, float, int]:
        """One step's loss summed over the processes: ``(mean loss, Σ weight, Σ samples)``."""
        rows = torch.tensor([[value * weight, float(weight), float(n)]], dtype=torch.float64)
        out = self.ddp.reduce_steps(rows, *self._requests())[0]
        return float(out[0] / out[1]), float(out[1]), int(out[2])

    def _reduce_pending(self: Any, pending: list[Any]) -> list[tuple[float, float, int]]:
        """The buffered steps (GPU path) reduced in one all-reduce."""
        values = torch.stack([p[1] for p in pending]).double()
        extra = torch.tensor([[p[4], p[5]] for p in pending], dtype=torch.float64)
        rows = torch.cat([(values.cpu() * extra[:, 0])[:, None], extra], dim=1)
        out = self.ddp.reduce_steps(rows.to(values.device), *self._requests())
        return [(float(r[0] / r[1]), float(r[1]), int(r[2])) for r in out]

    def _agreed_val(self: Any) -> dict[str, float]:
        """Validation metrics: computed by rank 0, the same numbers on every process."""
        if self.ddp is None:
            return self.evaluate("val")
        return self.ddp.broadcast(self.evaluate("val") if self.ddp.main else None)

    # ---- checkpoints ----------------------------------------------------------------------
    def _parallel_checkpoint(self: Any) -> dict[str, torch.Tensor]:
        """Every process's carried language-model state, gathered to rank 0 (collective)."""
        from workbench.core.models import detach_state

        if self.state.lm_state is None:
            return {}
        flat, _ = ck.state_to_flat(detach_state(self.state.lm_state))
        gathered = self.ddp.gather_tensors(flat)
        return {k: v for k, v in gathered.items() if not k.startswith("rank0.")}

    def _restore_parallel(
        self: Any, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
    ) -> None:
        """After ``restore_checkpoint``: this process's own carried state, or a note (and a
        rescaled position) when the number of processes changed."""
        world = self.ddp.world if self.ddp is not None else 1
        rank = self.ddp.rank if self.ddp is not None else 0
        saved = int(meta.get("world_size", 1))
        st = self.state
        if saved == world:
            if rank and meta.get("lm_state") is not None:
                prefix = f"rank{rank}."
                own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
                st.lm_state = ck.state_from_flat(own, meta["lm_state"], self.device)
            return
        self.notes.append(
            f"this run was trained on {saved} process(es) and continues on {world}: the data "
            "order of the rest of this epoch changes, so the result differs from an "
            "uninterrupted run"
        )
        if st.batch:
            old = int(meta.get("rank_batch", self.spec.train.batch_size)) * saved
            st.batch = min(st.batch * old // (self._batch_size * world), self.steps_per_epoch)
        st.lm_state = None

    def _check_same_checkpoint(self: Any, meta: dict[str, Any]) -> None:
        """Every process must resume from the checkpoint rank 0 read."""
        if self.ddp is None:
            return
        mine = meta.get("position", {}).get("step")
        ref = self.ddp.broadcast(mine)
        if mine != ref:
            raise TrainingError(
                f"process {self.ddp.rank} read a checkpoint at step {mine}, rank 0 one at {ref}",
                "every machine must see the same run folder (a shared file system)",
            )


__all__ = ["NullLog", "ParallelMixin"]
