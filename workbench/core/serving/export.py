"""``workbench export``: a run's model as ONNX, TorchScript, a standalone PyTorch file, or
safetensors weights — each verified against the workbench's own model on the run's test split,
each with a model card.

- **onnx** (opset ``OPSET``): inputs ``x`` (float ``[batch, time, features]`` or int64 token
  ids ``[batch, time]``) and ``lengths`` (int64 ``[batch]``; pass ``time`` for full
  sequences), both dynamic in batch and time; output ``output``. Exported with torch's
  TorchScript-based exporter, which maps LSTM / GRU / RNN to ONNX's own recurrent ops.
- **torchscript**: ``model.pt`` for ``torch.jit.load`` (same inputs); no workbench needed.
- **pt2**: ``model.pt2``, a ``torch.export`` program for ``torch.export.load(path).module()``
  (same inputs, dynamic batch and time; the recurrent layers as a scan, ``scan_rnn``) —
  TorchScript's successor, as TorchScript is deprecated from torch 2.10.
- **pytorch**: ``model.py`` (plain ``torch.nn``, the preprocessing constants, ``load()``,
  ``predict()``) + ``weights.npz``; needs only torch and numpy.
- **safetensors**: the checkpoint's weights + ``project.json`` + ``preprocessing.json``.
"""

from __future__ import annotations

import inspect
import io
import json
import pprint
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.core.errors import WorkbenchError
from workbench.core.serving import plain_model, standalone_template
from workbench.core.serving.card import write_card
from workbench.core.serving.convert import plain_config, plain_state_dict, to_plain
from workbench.core.serving.loaded import LoadedRun
from workbench.core.spec.project_file import atomic_write_bytes, project_to_json
from workbench.core.spec.task import Task

FORMATS = ("onnx", "torchscript", "pt2", "pytorch", "safetensors")
OPSET = 17
#: Largest max |Δ| accepted between an export and the workbench model.
TOLERANCE = {"onnx": 1e-4, "torchscript": 1e-6, "pt2": 1e-6, "pytorch": 1e-6, "safetensors": 0.0}
#: Test sequences compared at most (the whole test split when smaller).
VERIFY_ROWS = 512


@dataclass
class ExportResult:
    """What an export wrote and how closely it reproduces the workbench model."""

    format: str
    folder: Path
    files: list[str] = field(default_factory=list)
    max_abs_diff: float | None = None
    compared: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "folder": str(self.folder),
            "files": list(self.files),
            "max_abs_diff": self.max_abs_diff,
            "compared": self.compared,
            **self.details,
        }


def verification_batches(
    run: LoadedRun,
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]]:
    """``(x, lengths, lengths-as-the-workbench-takes-them)`` batches from the test split (the
    training split when the run has no test split)."""
    from workbench.core.serving.inputs import from_split

    try:
        data = from_split(run, "test")
    except WorkbenchError:
        data = from_split(run, "train")
    if run.task == Task.LANGUAGE_MODEL:
        seq_len = max(2, run.pre.seq_len)
        n = min(VERIFY_ROWS, (len(data.x) - 1) // seq_len)
        x = torch.from_numpy(data.x[: n * seq_len].astype(np.int64).reshape(n, seq_len))
        return [(x, torch.full((n,), seq_len, dtype=torch.int64), None)]
    out = []
    for start in range(0, min(VERIFY_ROWS, len(data)), 128):
        x = torch.from_numpy(np.ascontiguousarray(data.x[start : start + 128]))
        if data.lengths is None:
            out.append((x, torch.full((len(x),), x.shape[1], dtype=torch.int64), None))
        else:
            lengths = torch.from_numpy(data.lengths[start : start + 128].astype(np.int64))
            out.append((x, lengths, lengths))
    return out


def _compare(
    run: LoadedRun, batches, call: Callable[[torch.Tensor, torch.Tensor], Any]
) -> tuple[float, int]:
    worst, rows = 0.0, 0
    with torch.inference_mode():
        for x, lengths, wb_lengths in batches:
            want, _ = run.model(x, wb_lengths)
            got = torch.as_tensor(np.asarray(call(x, lengths)))
            if want.dim() == 3 and wb_lengths is not None:  # per step: only valid steps count
                valid = torch.arange(x.shape[1])[None, :] < wb_lengths[:, None]
                want, got = want[valid], got[valid]
            worst = max(worst, float((want.float() - got.float()).abs().max()))
            rows += len(x)
    return worst, rows


def _check(fmt: str, worst: float) -> None:
    if worst > TOLERANCE[fmt]:
        raise WorkbenchError(
            f"the {fmt} export differs from the workbench model by {worst:.3g} "
            f"(allowed {TOLERANCE[fmt]:g})",
            "please report this with the run's project.json",
        )


def export_run(run: LoadedRun, fmt: str, out_dir: str | Path | None = None) -> ExportResult:
    """Export ``run`` as ``fmt`` into ``out_dir`` (default ``<run>/export-<fmt>``)."""
    if fmt not in FORMATS:
        raise WorkbenchError(f"unknown export format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    folder = Path(out_dir) if out_dir else run.path / f"export-{fmt}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbenchError(
            f"{folder}: cannot create the folder ({exc.strerror or exc})"
        ) from None
    result = ExportResult(fmt, folder)
    writers = {
        "onnx": _onnx,
        "torchscript": _torchscript,
        "pt2": _pt2,
        "pytorch": _pytorch,
        "safetensors": _safetensors,
    }
    writers[fmt](run, result)
    result.files += write_card(run, result)
    return result


def _onnx(run: LoadedRun, result: ExportResult) -> None:
    try:
        import onnxruntime as ort
    except ImportError:
        raise WorkbenchError(
            "ONNX export needs onnx and onnxruntime",
            "install the extra: pip install 'sequence-workbench[export]'",
        ) from None
    net = to_plain(run.model, run.spec.model)
    batches = verification_batches(run)
    x, lengths, _ = batches[0]
    path = result.folder / "model.onnx"
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net,
            (x[:2], lengths[:2]),
            buffer,
            dynamo=False,
            opset_version=OPSET,
            input_names=["x", "lengths"],
            output_names=["output"],
            dynamic_axes={
                "x": {0: "batch", 1: "time"},
                "lengths": {0: "batch"},
                "output": {0: "batch"},
            },
        )
    atomic_write_bytes(path, buffer.getvalue())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    # A model that never reads lengths (one direction, per-step head) has no lengths input.
    declared = [i.name for i in session.get_inputs()]

    def call(xb, lb):
        feed = {"x": xb.numpy(), "lengths": lb.numpy()}
        return session.run(None, {k: v for k, v in feed.items() if k in declared})[0]

    result.max_abs_diff, result.compared = _compare(run, batches, call)
    _check("onnx", result.max_abs_diff)
    result.files.append(path.name)
    result.details.update(opset=OPSET, inputs=declared, outputs=["output"])


def _torchscript(run: LoadedRun, result: ExportResult) -> None:
    net = to_plain(run.model, run.spec.model)
    batches = verification_batches(run)
    x, lengths, _ = batches[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(net, (x[:2], lengths[:2]), check_trace=False)
        # torch 2.10+ marks TorchScript deprecated in favour of torch.export; it still loads
        # with torch alone and is what C++ (libtorch) and older tools read.
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
        path = result.folder / "model.pt"
        atomic_write_bytes(path, buffer.getvalue())
        loaded = torch.jit.load(str(path))
    result.max_abs_diff, result.compared = _compare(run, batches, lambda xb, lb: loaded(xb, lb))
    _check("torchscript", result.max_abs_diff)
    result.files.append(path.name)
    result.details.update(inputs=["x", "lengths"], outputs=["output"])


def _pt2(run: LoadedRun, result: ExportResult) -> None:
    from torch.export import Dim

    from workbench.core.serving.scan_rnn import scanned

    net = scanned(to_plain(run.model, run.spec.model)).eval()
    batches = verification_batches(run)
    x, lengths, _ = batches[0]
    # Example shapes above 1 (a size-1 example would be specialized, as would time == batch).
    example = (x[:2], lengths[:2]) if x.shape[1] != 2 else (x[:3], lengths[:3])
    batch, time = Dim("batch", min=1), Dim("time", min=1)
    shapes = ({0: batch, 1: time}, {0: batch})
    path = result.folder / "model.pt2"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            program = torch.export.export(net, example, dynamic_shapes=shapes)
        except Exception as exc:  # an export failure is a bug to report, not a user error
            raise WorkbenchError(
                f"torch.export could not export this model ({type(exc).__name__})",
                "use --format torchscript or onnx, and please report this",
            ) from exc
        buffer = io.BytesIO()
        torch.export.save(program, buffer)
        atomic_write_bytes(path, buffer.getvalue())
        loaded = torch.export.load(str(path)).module()
    result.max_abs_diff, result.compared = _compare(run, batches, lambda xb, lb: loaded(xb, lb))
    _check("pt2", result.max_abs_diff)
    result.files.append(path.name)
    result.details.update(inputs=["x", "lengths"], outputs=["output"], dynamic=["batch", "time"])


def standalone_source(run: LoadedRun) -> str:
    """The text of ``model.py``: header, constants, the plain model, load() / predict()."""
    from workbench import __version__

    pre = run.pre.to_dict()
    body = inspect.getsource(plain_model).split('"""', 2)[2]  # drop the module docstring
    body = body.replace("from __future__ import annotations\n", "")
    helpers = inspect.getsource(standalone_template).split("# ---- exported below ----\n", 1)[1]
    header = (
        f'"""{run.spec.name}: a {run.task} model exported by Sequence Workbench {__version__}\n'
        f"from run {run.path.name} ({run.checkpoint} checkpoint).\n\n"
        "Needs only torch and numpy. Example:\n\n"
        "    import model\n"
        "    net = model.load()                      # weights.npz beside this file\n"
        + (
            "    probs = model.next_token_probabilities(net, model.encode(text))\n"
            "    print(model.sample(net, 'ROMEO:', 100, seed=0))\n"
            if run.task == Task.LANGUAGE_MODEL
            else "    out = model.predict(net, x, lengths)  # x: raw features [N, T, F]\n"
        )
        + '"""\n\nfrom __future__ import annotations\n\nfrom pathlib import Path\n\nimport numpy as np\n'
    )
    constants = (
        "\n#: The model's layout (what SequenceNet builds).\n"
        f"CONFIG = {pprint.pformat(plain_config(run.spec.model), sort_dicts=False, width=96)}\n\n"
        "#: What training fitted on its training split (scaling, class names, vocabulary).\n"
        f"PREPROCESSING = {pprint.pformat(pre, sort_dicts=False, width=96, compact=True)}\n\n"
        "#: One name per model output.\n"
        f"OUTPUT_NAMES = {pprint.pformat(run.pre.output_names, width=96, compact=True)}\n"
    )
    return header + "\n" + body.strip() + "\n\n" + constants + "\n\n" + helpers


def _pytorch(run: LoadedRun, result: ExportResult) -> None:
    source = standalone_source(run)
    atomic_write_bytes(result.folder / "model.py", source.encode("utf-8"))
    state = plain_state_dict(run.model, run.spec.model)
    buffer = io.BytesIO()
    np.savez(buffer, **{k: v.numpy() for k, v in state.items()})
    atomic_write_bytes(result.folder / "weights.npz", buffer.getvalue())
    namespace: dict[str, Any] = {
        "__file__": str(result.folder / "model.py"),
        "__name__": "exported",
    }
    exec(compile(source, str(result.folder / "model.py"), "exec"), namespace)  # noqa: S102
    net = namespace["load"]()
    result.max_abs_diff, result.compared = _compare(run, verification_batches(run), net)
    _check("pytorch", result.max_abs_diff)
    result.files += ["model.py", "weights.npz"]


def _safetensors(run: LoadedRun, result: ExportResult) -> None:
    from safetensors.torch import save as st_save

    weights = {k: v.detach().cpu().contiguous() for k, v in run.model.state_dict().items()}
    atomic_write_bytes(result.folder / "weights.safetensors", st_save(weights))
    atomic_write_bytes(result.folder / "project.json", project_to_json(run.spec).encode("utf-8"))
    pre = json.dumps(run.pre.to_dict(), indent=1, ensure_ascii=False) + "\n"
    atomic_write_bytes(result.folder / "preprocessing.json", pre.encode("utf-8"))
    result.max_abs_diff, result.compared = 0.0, 0
    result.files += ["weights.safetensors", "project.json", "preprocessing.json"]
