"""Training speed: the workbench engine vs a minimal hand-written PyTorch loop (and PyTorch
Lightning / Keras 3 on its torch backend, when they are installed), side by side in one process.

    python benchmarks/trainer_vs_peers.py                  # both workloads, 3 interleaved repeats
    python benchmarks/trainer_vs_peers.py --quick          # fewer epochs / steps, 2 repeats
    PYTHONPATH=/path/to/extra-packages KERAS_BACKEND=torch python benchmarks/trainer_vs_peers.py

Workloads: (1) the ``seed-lstm`` example (LSTM-64 over 10×10 → 10 classes, batch 32), a few
epochs with a validation pass per epoch for every contender; (2) a character language model,
2-layer LSTM-256, sequence length 128, batch 64, a fixed number of truncated-BPTT steps with the
hidden state carried across chunks (timed after two warm-up steps). Every contender gets the
same data already in tensors and the same batch order, so only the loop differs. Prints
samples/s (medians over the repeats) and ratios to the raw loop, and checks that the engine's
and Lightning's per-step losses equal the raw loop's to 5 decimals.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

from workbench.core.data import load_data
from workbench.core.data.batching import iterate_batches, lm_batches
from workbench.core.models import build_model, detach_state
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import load_project
from workbench.core.training.session import RunOptions, start_run
from workbench.core.training.setup import sync_spec_to_data

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")  # Lightning's tips and batch-size guesses
WARMUP = 2  # char-LM steps left out of the timing
KERAS_LM_STEPS = 3  # timed char-LM steps for Keras


def clock() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the CPU time of a
    single-threaded run (--threads 1) is far steadier than the wall clock."""
    return time.perf_counter(), time.process_time()


def rates(samples: float, start: tuple[float, float], end: tuple[float, float]) -> dict:
    return {
        "samples_per_s": samples / (end[0] - start[0]),
        "cpu_samples_per_s": samples / max(end[1] - start[1], 1e-9),
    }


# ---- workloads -------------------------------------------------------------------------------
def seed_workload(epochs: int) -> tuple[ProjectSpec, object]:
    spec, _ = load_project("example:seed-lstm")
    spec.train.epochs = epochs
    spec.train.device = "cpu"
    data = load_data(spec.data, None)
    sync_spec_to_data(spec, data)
    return spec, data


def charlm_workload(steps: int) -> tuple[ProjectSpec, object]:
    spec = ProjectSpec.from_dict(
        {
            "name": "charlm-bench",
            "data": {
                "source": "resource:shakespeare.txt",
                "format": "text",
                "task": "language_model",
                "seq_len": 128,
            },
            "model": {
                "input": {"kind": "tokens", "embedding_dim": 64},
                "layers": [{"type": "lstm", "hidden_size": 256, "num_layers": 2}],
                "head": {"kind": "per_step"},
            },
            "train": {"batch_size": 64, "epochs": 1, "max_steps": steps, "device": "cpu"},
        }
    )
    data = load_data(spec.data, None)
    sync_spec_to_data(spec, data)
    return spec, data


# ---- contenders ------------------------------------------------------------------------------
def raw_loop(spec: ProjectSpec, data, lm: bool) -> dict:
    """What one would write by hand: the same model, Adam, sliced batches, loss.item() per step."""
    tr = spec.train
    torch.manual_seed(tr.seed)
    model = build_model(spec.model)
    opt = torch.optim.Adam(model.parameters(), lr=tr.optimizer.lr)
    gen = torch.Generator().manual_seed(tr.seed)
    losses, stamps = [], []
    t0 = clock()
    if lm:
        state = None
        for x, y in lm_batches(data.train.x, tr.batch_size, spec.data.seq_len):
            out, state = model(x, None, detach_state(state))
            loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            stamps.append(clock())
            if len(losses) == tr.max_steps:
                break
        return _lm_result(losses, stamps, tr.batch_size)
    for _ in range(tr.epochs):
        model.train()
        for x, y, lengths, _ in iterate_batches(data.train, tr.batch_size, True, gen):
            out, _ = model(x, lengths)
            loss = F.cross_entropy(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        model.eval()
        with torch.inference_mode():
            total, correct = 0.0, 0
            for x, y, lengths, _ in iterate_batches(data.val, 256, False):
                out, _ = model(x, lengths)
                total += F.cross_entropy(out, y, reduction="sum").item()
                correct += int((out.argmax(-1) == y).sum())
    return {**rates(tr.epochs * len(data.train), t0, clock()), "losses": losses}


def _lm_result(losses: list[float], stamps: list[float], batch: int) -> dict:
    timed = len(stamps) - WARMUP
    return {**rates(timed * batch, stamps[WARMUP - 1], stamps[-1]), "losses": losses}


def engine(spec: ProjectSpec, data, lm: bool) -> dict:
    """The workbench engine as the CLI runs it (events, run log, checkpoints and all)."""
    losses, stamps, marks = [], [], {}

    def listen(event) -> None:
        if event.kind == "step":
            losses.append(event.loss)
            stamps.append(clock())
        elif event.kind == "status" and event.status == "running" and "t0" not in marks:
            marks["t0"] = clock()
        elif event.kind == "epoch":
            marks["end"] = clock()

    with tempfile.TemporaryDirectory() as tmp:
        # The engine as every launcher starts it (the session adds nothing per step).
        options = RunOptions(run_dir=Path(tmp) / "run", device="cpu")
        session = start_run(spec, None, options)
        session.events.subscribe(listen)
        session.run()
    if lm:
        return _lm_result(losses, stamps, spec.train.batch_size)
    return {
        **rates(spec.train.epochs * len(data.train), marks["t0"], marks["end"]),
        "losses": losses,
    }


def lightning(spec: ProjectSpec, data, lm: bool) -> dict:
    import pytorch_lightning as pl

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning_fabric").setLevel(logging.ERROR)

    tr = spec.train
    torch.manual_seed(tr.seed)
    net = build_model(spec.model)
    gen = torch.Generator().manual_seed(tr.seed)
    losses, stamps, marks = [], [], {}

    class Batches:  # the same pre-sliced batches; Lightning re-iterates it every epoch
        def __init__(self, split, size, shuffle):
            self.split, self.size, self.shuffle = split, size, shuffle

        def __iter__(self):
            if lm:
                return iter(lm_batches(self.split.x, self.size, spec.data.seq_len))
            return iter(
                iterate_batches(self.split, self.size, self.shuffle, gen if self.shuffle else None)
            )

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net, self.state = net, None

        def training_step(self, batch, _):
            if lm:
                x, y = batch
                out, self.state = self.net(x, None, detach_state(self.state))
                loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            else:
                x, y, lengths, _ = batch
                out, _ = self.net(x, lengths)
                loss = F.cross_entropy(out, y)
            losses.append(loss.detach())
            return loss

        def validation_step(self, batch, _):
            x, y, lengths, _ = batch
            out, _ = self.net(x, lengths)
            self.log("val_loss", F.cross_entropy(out, y), prog_bar=False)
            self.log("val_acc", (out.argmax(-1) == y).float().mean(), prog_bar=False)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=tr.optimizer.lr)

    class Clock(pl.Callback):
        def on_train_start(self, *_):
            marks["t0"] = clock()

        def on_train_batch_end(self, *_):
            stamps.append(clock())

        def on_train_end(self, *_):
            marks["end"] = clock()

    trainer = pl.Trainer(
        max_epochs=1 if lm else tr.epochs,
        max_steps=tr.max_steps or -1,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[Clock()],
    )
    val = None if lm else Batches(data.val, 256, False)
    trainer.fit(Module(), Batches(data.train, tr.batch_size, True), val)
    losses = [float(v) for v in losses]
    if lm:
        return _lm_result(losses, stamps, tr.batch_size)
    return {**rates(tr.epochs * len(data.train), marks["t0"], marks["end"]), "losses": losses}


def keras_fit(spec: ProjectSpec, data, lm: bool) -> dict:
    import keras

    tr, marks, stamps = spec.train, {}, []
    keras.utils.set_random_seed(tr.seed)
    if lm:
        # Keras' LSTM on the torch backend steps through time in Python (~10x slower here):
        # a few timed steps tell its rate as well as many would, and keep the run short.
        tr.max_steps = min(tr.max_steps, WARMUP + KERAS_LM_STEPS)
        vocab = spec.model.input.vocab_size
        chunks = [x for x, _ in lm_batches(data.train.x, tr.batch_size, spec.data.seq_len)][
            : tr.max_steps
        ]
        x = torch.cat(chunks).numpy()
        y = torch.cat(
            [y for _, y in lm_batches(data.train.x, tr.batch_size, spec.data.seq_len)][
                : tr.max_steps
            ]
        ).numpy()
        model = keras.Sequential(
            [
                keras.Input((spec.data.seq_len,), dtype="int64"),
                keras.layers.Embedding(vocab, spec.model.input.embedding_dim),
                keras.layers.LSTM(256, return_sequences=True),
                keras.layers.LSTM(256, return_sequences=True),
                keras.layers.Dense(vocab),
            ]
        )
        val = None
    else:
        x, y = data.train.x.numpy(), data.train.y.numpy()
        model = keras.Sequential(
            [
                keras.Input(tuple(x.shape[1:])),
                keras.layers.LSTM(spec.model.layers[0].hidden_size),
                keras.layers.Dense(spec.model.head.output_size),
            ]
        )
        val = (data.val.x.numpy(), data.val.y.numpy())
    model.compile(
        optimizer=keras.optimizers.Adam(tr.optimizer.lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=None if lm else ["accuracy"],
    )

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            marks["t0"] = clock()

        def on_train_batch_end(self, batch, logs=None):
            stamps.append(clock())

        def on_train_end(self, logs=None):
            marks["end"] = clock()

    model.fit(
        x,
        y,
        batch_size=tr.batch_size,
        epochs=1 if lm else tr.epochs,
        shuffle=not lm,
        validation_data=val,
        verbose=0,
        callbacks=[Clock()],
    )
    if lm:
        return _lm_result([float("nan")] * len(stamps), stamps, tr.batch_size)
    return {**rates(tr.epochs * len(x), marks["t0"], marks["end"]), "losses": []}


def available_peers() -> dict:
    peers = {}
    try:
        import pytorch_lightning  # noqa: F401

        peers["lightning"] = lightning
    except ImportError:
        pass
    try:
        import keras  # noqa: F401

        peers["keras"] = keras_fit
    except ImportError:
        pass
    return peers


# ---- driver ----------------------------------------------------------------------------------
def bench(name: str, spec: ProjectSpec, data, lm: bool, repeats: int, contenders: dict) -> None:
    runs: dict[str, list[dict]] = {k: [] for k in contenders}
    order = list(contenders)
    for r in range(repeats):
        for key in order[r % len(order) :] + order[: r % len(order)]:  # interleaved, rotated
            out = contenders[key](spec.copy(), data, lm)
            runs[key].append(out)
            print(
                f"  [{name}] repeat {r + 1} {key:<9} {out['samples_per_s']:9.1f} samples/s "
                f"(CPU time: {out['cpu_samples_per_s']:9.1f})",
                flush=True,
            )
    print(
        f"\n{name}: {repeats} interleaved repeats, torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s); ratio = median over repeats of contender / raw "
        f"of the same repeat; best = the fastest repeat"
    )
    print(
        f"  {'contender':<10} {'samples/s':>10} {'ratio':>7} {'CPU-time ratio':>15} "
        f"{'best':>9} {'best ratio':>10}  losses vs raw"
    )
    raw = runs["raw"]
    raw_best = max(o["samples_per_s"] for o in raw)
    for key in contenders:
        mine = runs[key]
        wall = statistics.median(o["samples_per_s"] for o in mine)
        ratio = statistics.median(
            o["samples_per_s"] / b["samples_per_s"] for o, b in zip(mine, raw)
        )
        cpu = statistics.median(
            o["cpu_samples_per_s"] / b["cpu_samples_per_s"] for o, b in zip(mine, raw)
        )
        parity = ""
        ref, got = raw[0]["losses"], mine[0]["losses"]
        if key != "raw" and got and got[0] == got[0]:  # Keras has its own init: no parity
            n = min(len(ref), len(got))
            diff = max(abs(a - b) for a, b in zip(ref[:n], got[:n]))
            same = "equal" if diff < 5e-6 else "DIFFERENT"
            parity = f"max |Δ| {diff:.1e} over {n} steps ({same} to 5 decimals)"
        best = max(o["samples_per_s"] for o in mine)
        print(
            f"  {key:<10} {wall:10.1f} {ratio:6.3f}x {cpu:14.3f}x {best:9.1f} "
            f"{best / raw_best:9.3f}x  {parity}"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=("seed", "charlm", "both"), default="both")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="seed-lstm epochs per repeat")
    parser.add_argument("--steps", type=int, default=12, help="char-LM steps per repeat")
    parser.add_argument("--quick", action="store_true", help="2 repeats, 2 epochs, 8 steps")
    parser.add_argument("--no-peers", action="store_true", help="raw loop and engine only")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument(
        "--only",
        help="comma-separated contenders to run (raw is always run), e.g. engine,lightning",
    )
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.epochs, args.steps = 2, 2, 8
    if args.threads:
        torch.set_num_threads(args.threads)
    contenders = {"raw": raw_loop, "engine": engine}
    if not args.no_peers:
        contenders.update(available_peers())
    if args.only:
        keep = {"raw", *args.only.split(",")}
        contenders = {k: v for k, v in contenders.items() if k in keep}
    missing = {"lightning", "keras"} - set(contenders)
    if missing and not args.no_peers and not args.only:
        print(f"(not installed, skipped: {', '.join(sorted(missing))})")
    if args.workload in ("seed", "both"):
        spec, data = seed_workload(args.epochs)
        bench("seed-lstm", spec, data, False, args.repeats, contenders)
    if args.workload in ("charlm", "both"):
        spec, data = charlm_workload(args.steps + WARMUP)
        bench("char-LM LSTM-256x2 T=128 B=64", spec, data, True, args.repeats, contenders)


if __name__ == "__main__":
    main()
