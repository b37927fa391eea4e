"""A run's folder at the start of a run: created (new run) or taken over (resume) and put back
in order after a crash. Companion of ``Trainer.prepare``: it reads and sets the trainer's state.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.device import describe_device
from workbench.core.errors import TrainingError
from workbench.core.runlock import RunLock
from workbench.core.runs import RunDir, default_run_dir
from workbench.core.serving import preprocessing
from workbench.core.step_store import truncate_steps
from workbench.core.training import checkpoints as ck
from workbench.core.training import recovery
from workbench.core.training.parallel import NullLog
from workbench.core.training.state import restore_checked

if TYPE_CHECKING:
    from workbench.core.training.trainer import Trainer


def open_run_folder(trainer: Trainer) -> None:
    """Create the run's folder (or take over the one resumed), lock it and write what a run
    folder starts with: info, project, preprocessing, the log's first line."""
    spec = trainer.spec
    if trainer._resuming:
        # A refused resume leaves the run as it was: ``_rundir`` (and with it the status
        # file) is taken over only once the checkpoint is known to be usable.
        assert trainer.run_dir is not None  # a resumed run has its folder
        rundir = RunDir.open(trainer.run_dir)
        if not rundir.last_checkpoint.is_file():
            raise TrainingError(f"{trainer.run_dir}: has no checkpoint to resume from yet")
        tensors, meta = ck.load_checkpoint(rundir.last_checkpoint)
        restore_checked(trainer, rundir.last_checkpoint, tensors, meta)
        trainer._check_same_checkpoint(meta)
        trainer._restore_parallel(tensors, meta)
        st = trainer.state
        if st.step >= trainer._planned_steps or st.epoch >= spec.train.epochs:
            raise TrainingError(
                f"{trainer.run_dir}: this run already finished ({st.epoch} epochs, {st.step} steps)",
                "resume with --epochs N (more than it has done) to train longer",
            )
        trainer._rundir = rundir
        if trainer.writes_run:  # the folder is rank 0's to put in order
            recover_folder(trainer)
    elif not trainer.writes_run:  # another rank's process: rank 0 writes the folder
        run_dir = trainer._agree_run_dir(None)
        assert run_dir is not None  # rank 0's folder, shared with every process
        trainer.run_dir = run_dir
        trainer._rundir, trainer._log = RunDir(run_dir), NullLog()
        return
    else:
        trainer.run_dir = trainer.run_dir or default_run_dir(spec.name)
        trainer._rundir = RunDir.create(trainer.run_dir)
        trainer._lock = RunLock(trainer.run_dir)
        trainer._lock.acquire()
        info = {
            "project": spec.name,
            # Relative data paths start here on resume (the working folder when no project
            # folder is known: that is where they were found now).
            "base_dir": str((trainer.base_dir or Path.cwd()).resolve()),
            "seed": spec.train.seed,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        if trainer.ddp is not None:
            info["world_size"] = trainer.ddp.world
        trainer._rundir.write_info(info)
        trainer._agree_run_dir(trainer.run_dir)
    if not trainer.writes_run:
        trainer._log = NullLog()
        return
    trainer._rundir.write_project(spec)
    # What predict / export need to prepare new data exactly like this run's own.
    preprocessing.save(
        trainer._rundir.path, preprocessing.from_prepared(spec, trainer.data, trainer.base_dir)
    )
    trainer._log = trainer._rundir.open_log()
    first = "resume" if trainer._resuming else "start"
    trainer._log.write(
        {
            "type": first,
            "step": trainer.state.step,
            "epoch": trainer.state.epoch,
            "device": describe_device(trainer.device),
            "steps_per_epoch": trainer._steps_per_epoch,
            **({"processes": trainer.ddp.world} if trainer.ddp else {}),
        }
    )
    if trainer._missing_epoch:  # the log lost it (power loss): re-add it
        st = trainer.state
        trainer._log.write({"type": "epoch", "epoch": st.epoch, "step": st.step, **st.last_metrics})
    for note in trainer.notes:
        trainer._note(note)


def recover_folder(trainer: Trainer) -> None:
    """After a crash the folder may hold more than the checkpoint: put it back in order."""
    st, folder = trainer.state, trainer._rundir
    assert folder is not None
    removed = recovery.clean_temp_files(folder.path)
    cut = recovery.truncate_log(folder.metrics_file, st.step, st.epoch)
    cut += truncate_steps(folder.path, st.step)
    if cut:
        trainer.notes.append(
            f"dropped {cut} metrics-log lines written after the last checkpoint "
            f"(step {st.step}); they are trained again"
        )
    if removed:
        trainer.notes.append(f"removed {len(removed)} temp files of interrupted writes")
    trainer._missing_epoch = (
        st.batch == 0
        and st.epoch > 0
        and bool(st.last_metrics)
        and st.epoch not in recovery.logged_epochs(folder.metrics_file)
    )
