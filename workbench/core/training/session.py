"""The one way a run starts: a spec goes in, typed events come out, a typed control steers it.

Every caller — the GUI worker, ``workbench train`` / ``resume``, a sweep trial, a multi-process
launch — starts a run the same way::

    session = start_run(spec, base_dir, RunOptions(...))   # cheap: nothing is loaded yet
    session.events.subscribe(callback)                      # StepEvent, EpochEvent, … by type
    session.control.pause() / resume() / step(n) / set_lr(lr) / stop()   # any thread
    result = session.run()                                  # blocks on the calling thread

The session owns what used to be repeated by each caller: building the ``Trainer`` (on the
thread that runs it, because that loads the data), the torch thread policy, and the inspection
probe. Callers never see the ``Trainer``; they see events (``core.training.events``,
``core.inspection.events``) and the control. Constructing a session does not import torch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.data.prepared import DataSummary
from workbench.core.inspection.events import ProbeOptions
from workbench.core.spec.task import Task
from workbench.core.training.control import TrainerControl
from workbench.core.training.events import EventBus

if TYPE_CHECKING:
    from workbench.core.inspection.feed import ProbePublisher
    from workbench.core.inspection.probe import Probe
    from workbench.core.spec.project import ProjectSpec
    from workbench.core.training.result import RunResult
    from workbench.core.training.trainer import Trainer

#: Environment override of torch's intra-op thread count, for the GUI and the CLI alike.
THREADS_ENV = "WORKBENCH_TORCH_THREADS"


@dataclass(frozen=True)
class RunOptions:
    """How to run a spec (everything that is not part of the project itself).

    Args:
        run_dir: folder for checkpoints and logs (None: a new one in the run store).
        device: overrides ``spec.train.device`` (``auto``, ``cpu``, ``cuda[:i]``, ``mps``).
        interactive: a window shares the machine: torch keeps one core free for it.
        probe: attach the inspection probe with these options (None: no inspection).
        temperature: the probe's language-model sampling temperature (None: its default).
        callbacks: extra loop callbacks (objects with some of ``on_train_begin`` …).
    """

    run_dir: Path | str | None = None
    device: str | None = None
    interactive: bool = False
    probe: ProbeOptions | None = None
    temperature: float | None = None
    callbacks: Sequence[Any] = field(default_factory=tuple)


def torch_threads(interactive: bool) -> int | None:
    """Intra-op threads for a run; None leaves torch's own choice.

    ``WORKBENCH_TORCH_THREADS`` overrides. An interactive run uses all cores but one, which stays
    free for the window (on 2 busy cores, 2 OpenMP threads spinning at barriers made a small LSTM
    10-20x slower than 1 thread, and starved the GUI thread)."""
    env = os.environ.get(THREADS_ENV, "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if interactive:
        return max(1, (os.cpu_count() or 2) - 1)
    return None


def apply_thread_policy(interactive: bool) -> None:
    """Set torch's (process-wide) intra-op thread count by ``torch_threads``."""
    threads = torch_threads(interactive)
    if threads is None:
        return
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class TrainingSession:
    """One run of a spec: typed ``events`` out, a typed ``control`` in, ``run()`` to execute.

    Create it with ``start_run`` or ``resume_run``. ``events`` and ``control`` exist at once (a
    stop or pause requested before ``run()`` is honoured); the ``Trainer`` is built inside
    ``run()``, on the thread that runs it.
    """

    def __init__(
        self,
        spec: ProjectSpec | None,
        base_dir: Path | str | None,
        options: RunOptions,
        resume: tuple[Path, int | None] | None = None,
    ) -> None:
        self.events = EventBus()
        self.control = TrainerControl()
        self.options = options
        self._spec = spec
        self._base_dir = base_dir
        self._resume = resume
        self._trainer: Trainer | None = None
        self._probe: Probe | None = None
        self._publisher: ProbePublisher | None = None
        self._temperature = options.temperature

    # ---- facts about the run (known once ``run()`` has built it) ---------------------------
    @property
    def run_dir(self) -> Path | None:
        """The run's folder, once the engine made (or opened) it."""
        trainer = self._trainer
        return None if trainer is None else trainer.run_dir

    @property
    def planned_steps(self) -> int:
        """Optimizer steps the run plans (0 before the data is loaded)."""
        trainer = self._trainer
        return trainer.planned_steps if trainer is not None and trainer._prepared else 0

    @property
    def epochs(self) -> int:
        """Epochs the run plans."""
        if self._trainer is not None:
            return int(self._trainer.spec.train.epochs)
        return int(self._spec.train.epochs) if self._spec is not None else 0

    @property
    def data_summary(self) -> DataSummary | None:
        """What the loader saw (format, sizes, dropped columns, …), once the data is loaded."""
        trainer = self._trainer
        data = None if trainer is None else trainer.data
        summary = getattr(data, "summary", None)
        return summary if isinstance(summary, DataSummary) else None

    @property
    def task(self) -> str:
        if self._trainer is not None:
            return str(self._trainer.spec.data.task)
        return str(self._spec.data.task) if self._spec is not None else ""

    # ---- running ---------------------------------------------------------------------------
    def _build(self) -> Trainer:
        # The engine, built on the calling thread by ``run()``: nothing outside the session
        # reaches the Trainer (launchers see only ``events`` and ``control``).
        if self._trainer is not None:
            return self._trainer
        from workbench.core.training.trainer import Trainer

        opts = self.options
        apply_thread_policy(opts.interactive)
        if self._resume is not None:
            run_dir, epochs = self._resume
            trainer = Trainer.resume(run_dir, device=opts.device, epochs=epochs)
        else:
            assert self._spec is not None
            trainer = Trainer(self._spec, self._base_dir, run_dir=opts.run_dir, device=opts.device)
        # The session's bus and control are the run's: subscribers and requests made before the
        # trainer existed stay in force.
        trainer.events = self.events
        trainer.control = self.control
        for callback in opts.callbacks:
            trainer.add_callback(callback)
        self._trainer = trainer
        return trainer

    def run(self) -> RunResult | None:
        """Execute the run on the calling thread (blocks); None when stopped before it began."""
        trainer = self._build()
        if self.options.probe is not None:
            from workbench.core.inspection.feed import attach_inspection

            attached = attach_inspection(trainer, self.options.probe, self._temperature)
            if attached is not None:
                self._probe, self._publisher = attached
        if self.control.stop_requested:
            return None  # stopped before it began: no run folder made
        return trainer.run()

    # ---- language-model sampling -------------------------------------------------------------
    def set_temperature(self, temperature: float) -> None:
        """Any thread: the next epoch-end sample of the running probe uses ``temperature``
        (a plain attribute write, atomic under the GIL)."""
        self._temperature = float(temperature)
        if self._probe is not None:
            self._probe.temperature = float(temperature)

    @property
    def sample_epoch(self) -> int | None:
        """The epoch whose weights ``sample_text`` samples from (None: nothing to sample)."""
        publisher = self._publisher
        return None if publisher is None or publisher.weights is None else publisher.weights[0]

    def sample_text(
        self, prime: str, n_tokens: int, temperature: float, seed: int | None = None
    ) -> str:
        """A language model's continuation of ``prime`` from the probe's latest epoch-end copy of
        the weights (any thread: never touches the live model)."""
        from workbench.core.errors import WorkbenchError
        from workbench.core.inspection.feed import sample_with_weights

        trainer, publisher = self._trainer, self._publisher
        if trainer is None or publisher is None or publisher.weights is None:
            raise WorkbenchError("nothing to sample from yet", "train a language model first")
        data = trainer.data
        return sample_with_weights(
            trainer.spec.model.to_dict(),
            publisher.weights[1],
            list(data.vocab),
            getattr(data, "token_joiner", ""),
            prime,
            n_tokens,
            temperature,
            seed,
        )

    def final_sample(self, prime: str, n_tokens: int, temperature: float) -> str | None:
        """After ``run()``: a language model's sample from the trained model (seeded by the
        spec); None for other tasks."""
        trainer = self._trainer
        if (
            trainer is None
            or trainer.spec.data.task != Task.LANGUAGE_MODEL
            or trainer.model is None
        ):
            return None
        from workbench.core.models.sampling import sample_text

        return sample_text(
            trainer.model,
            trainer.data,
            prime,
            n_tokens=n_tokens,
            temperature=temperature,
            seed=trainer.spec.train.seed,
        )


def start_run(
    spec: ProjectSpec, base_dir: Path | str | None = None, options: RunOptions | None = None
) -> TrainingSession:
    """A new run of ``spec``; ``base_dir`` is the project's folder (relative data paths, and
    where its runs are stored). The caller's spec is never modified."""
    return TrainingSession(spec, base_dir, options or RunOptions())


def resume_run(
    run_dir: Path | str, options: RunOptions | None = None, epochs: int | None = None
) -> TrainingSession:
    """A session that continues the run in ``run_dir`` from its last checkpoint (``epochs``:
    a new total)."""
    opts = options or RunOptions()
    return TrainingSession(None, None, opts, resume=(Path(run_dir), epochs))
