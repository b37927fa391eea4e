"""Data-parallel training on several processes (``torch.distributed`` + DistributedDataParallel).

A run is distributed when a torch launcher started it — ``torchrun`` or ``workbench train
--nproc N`` (which uses the same elastic launcher) — and the world has more than one process:
the launcher sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous variables. Without
them nothing here is used and the single-process path is untouched.

The rules users can rely on (README, "Several processes"):

- ``train.batch_size`` is the **global** batch. Each of the W processes takes
  ``batch_size // W`` sequences (at least 1) per step; when that does not divide, the global
  batch is that times W, and the run log says so.
- Every process draws the same shuffled order from the project's seed and takes every W-th
  index (``DistributedSampler`` semantics: the order is padded by repeating its start so all
  shards are equally long). Step k therefore sees exactly the sequences a single process with
  batch ``b × W`` sees at step k, split across the processes.
- A language model's token stream is cut into W contiguous parts; each process runs truncated
  BPTT over its part with ``b`` rows, i.e. the rows of the single-process layout it owns.
- DDP averages the gradients; the loss reported per step is Σ loss·weight / Σ weight over all
  processes (one all-reduce that also carries the stop request), never an average of averages.
- Rank 0 alone evaluates, writes the run folder, the metrics log and the checkpoints; the
  metrics it computes are broadcast, so every process takes the same early-stopping and
  learning-rate decisions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from workbench.core.errors import TrainingError
from workbench.core.runs import STOP_REQUEST

#: A stop request for a multi-process run: a file of this name in the run folder (the app
#: writes it; a signal works too). Rank 0 looks for it a few times a second.
STOP_FILE = STOP_REQUEST
#: Seconds between rank 0's looks for the stop file.
STOP_POLL_S = 0.25


def env_world() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` as a torch launcher set them (``(0, 1, 0)`` if not)."""

    def number(name: str, default: int) -> int:
        text = os.environ.get(name, "")
        return int(text) if text.strip().isdigit() else default

    return number("RANK", 0), number("WORLD_SIZE", 1), number("LOCAL_RANK", 0)


def launched_distributed() -> bool:
    """True in a process a torch launcher started as one of several."""
    return "RANK" in os.environ and env_world()[1] > 1


@dataclass
class Flags:
    """What the processes agreed on at the last reduction."""

    stop: bool = False
    save: bool = False


class Distributed:
    """This process's place in the group and the few collectives the trainer needs.

    Args:
        rank: global rank (0 writes the run folder).
        world: number of processes.
        local_rank: rank on this machine (picks the GPU).
    """

    def __init__(self, rank: int, world: int, local_rank: int) -> None:
        self.rank, self.world, self.local_rank = rank, world, local_rank
        self.main = rank == 0
        self.flags = Flags()
        self.stop_file: Path | None = None
        self._last_poll = 0.0

    @classmethod
    def from_env(cls) -> Distributed | None:
        if not launched_distributed():
            return None
        return cls(*env_world())

    # ---- set-up ---------------------------------------------------------------------------
    def init(self, device: torch.device) -> torch.device:
        """Join the process group (NCCL on CUDA, gloo on the CPU); the device to train on."""
        if device.type == "cuda":
            if self.local_rank >= torch.cuda.device_count():
                raise TrainingError(
                    f"process {self.rank} is local rank {self.local_rank}, but this machine has "
                    f"{torch.cuda.device_count()} GPU(s)",
                    "start at most one process per GPU (--nproc / --nproc-per-node)",
                )
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
            backend = "nccl"
        elif device.type == "cpu":
            backend = "gloo"
        else:
            raise TrainingError(
                f"training on several processes runs on CPUs or CUDA GPUs, not {device.type}",
                "use --device cpu or cuda",
            )
        if not dist.is_initialized():
            dist.init_process_group(backend, timeout=timedelta(minutes=30))
        self.device = device
        return device

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model as DDP sees it (gradients averaged across processes in ``backward``)."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids, gradient_as_bucket_view=True)

    @staticmethod
    def close() -> None:
        """Leave the process group (at the end of a worker process: a second run in the same
        process keeps using the group it joined)."""
        if dist.is_initialized():
            dist.destroy_process_group()

    # ---- the data each process sees --------------------------------------------------------
    def rank_batch(self, global_batch: int) -> tuple[int, str | None]:
        """Sequences (or language-model rows) per process and step, and a note when the global
        batch does not divide by the number of processes."""
        per = max(1, global_batch // self.world)
        if per * self.world == global_batch:
            return per, None
        return per, (
            f"train.batch_size {global_batch} does not divide across {self.world} processes: "
            f"each takes {per} per step (a global batch of {per * self.world})"
        )

    def shard_order(self, order: torch.Tensor) -> torch.Tensor:
        """This process's share of a shuffled order (``DistributedSampler`` semantics)."""
        n = int(order.shape[0])
        total = -(-n // self.world) * self.world
        if total > n:
            reps = -(-(total - n) // n)
            order = torch.cat([order, order.repeat(reps)[: total - n]])
        return order[self.rank :: self.world]

    def shard_len(self, n: int) -> int:
        return -(-n // self.world)

    def lm_shard_len(self, n_tokens: int, rows: int) -> int:
        """Tokens per process: ``rows`` rows of the single-process layout with ``rows × W``."""
        return n_tokens // (rows * self.world) * rows

    def lm_shard(self, stream: torch.Tensor, rows: int) -> torch.Tensor:
        """This process's contiguous part of a language model's token stream: exactly the
        rows ``rank × rows … (rank + 1) × rows − 1`` of the single-process batch layout."""
        part = self.lm_shard_len(int(stream.shape[0]), rows)
        return stream[self.rank * part : (self.rank + 1) * part]

    # ---- agreeing --------------------------------------------------------------------------
    def poll_stop(self, now: float) -> bool:
        """Rank 0: has the app asked for a stop through the run folder? The request is
        consumed (the file removed), so the resumed run is not stopped by it again."""
        if self.stop_file is None or now - self._last_poll < STOP_POLL_S:
            return False
        self._last_poll = now
        try:
            self.stop_file.unlink()
        except FileNotFoundError:
            return False
        except OSError:
            pass  # seen, but not removable: still a stop
        return True

    def reduce_steps(self, rows: torch.Tensor, stop: bool, save: bool) -> torch.Tensor:
        """Sum ``[loss·weight, weight, samples]`` rows over the processes, together with the
        stop / save requests (one all-reduce); sets ``flags``."""
        flags = torch.tensor([[float(stop), float(save), 0.0]], dtype=rows.dtype)
        both = torch.cat([rows, flags.to(rows.device)])
        dist.all_reduce(both)
        out = both.cpu()
        self.flags = Flags(stop=bool(out[-1, 0] > 0), save=bool(out[-1, 1] > 0))
        return out[:-1]

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every process (plain Python values: metrics, paths)."""
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather_tensors(self, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Rank 0 gets every process's ``tensors`` (same keys and shapes everywhere) as
        ``rank<r>.<key>``; the other processes get an empty dict."""
        out: dict[str, torch.Tensor] = {}
        for key in sorted(tensors):
            value = tensors[key].contiguous()
            parts = [torch.empty_like(value) for _ in range(self.world)]
            dist.all_gather(parts, value)
            if self.main:
                for r, part in enumerate(parts):
                    out[f"rank{r}.{key}"] = part
        return out


__all__ = ["STOP_FILE", "Distributed", "Flags", "env_world", "launched_distributed"]
