"""`workbench export`: every format round-trips on an LSTM, a GRU, a bidirectional stack and a
character LM; TorchScript and the standalone PyTorch file run in a fresh process where the
workbench cannot be imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from workbench.cli import main
from workbench.core.data.loader import _read
from workbench.core.data.sources import Source
from workbench.core.serving.inputs import from_file
from workbench.core.serving.loaded import load_run
from workbench.core.serving.predict import predict

ort = pytest.importorskip("onnxruntime")  # the [export] extra; CI installs it

NAMES = ["lstm", "gru", "bidir", "charlm"]
DATA = {"lstm": "seqs.csv", "gru": "airline.csv", "bidir": "seqs.csv", "charlm": "small.txt"}

# Runs in a fresh interpreter: the workbench is made unimportable before anything else.
CHILD = r"""
import sys
sys.modules["workbench"] = None
try:
    import workbench  # noqa
    raise SystemExit("workbench importable")
except ImportError:
    pass
import json
import numpy as np
import torch
case, pytorch_dir, ts_file = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, pytorch_dir)
import model
d = np.load(case)
lengths = d["lengths"] if "lengths" in d.files else None
net = model.load()
if "text" in d.files:
    got = model.next_token_probabilities(net, model.encode(str(d["text"])))
    text = model.sample(net, "th", 20, seed=1)
    assert len(text) == 20, text
else:
    got = model.predict(net, d["raw"], lengths)
ts = torch.jit.load(ts_file)
x = torch.from_numpy(d["x"])
full = torch.from_numpy(d["full_lengths"])
with torch.inference_mode():
    ts_out = ts(x, full).numpy()
print(json.dumps({
    "pytorch": float(np.abs(got - d["expected"]).max()),
    "torchscript": float(np.abs(ts_out - d["logits"]).max()),
}))
"""


def _raw_inputs(run, path: Path) -> dict[str, np.ndarray]:
    """The file as the user has it (original units), for the standalone predict()."""
    spec = run.spec.data.copy()
    spec.source = str(path)
    raw = _read(spec, Source(str(path), path), run.pre.data_format, None, lambda f: None)
    if run.task == "forecasting":
        series = raw.values[:, raw.feature_idx]
        window = run.spec.data.window
        idx = np.arange(series.shape[0] - window + 1)[:, None] + np.arange(window)[None, :]
        return {"raw": series[idx]}
    out = {"raw": raw.x}
    if raw.lengths is not None and (raw.lengths < raw.x.shape[1]).any():
        out["lengths"] = raw.lengths
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_export_round_trips(runs, name, tmp_path):
    run_dir, data = runs[name], runs["folder"] / DATA[name]
    out = {}
    for fmt in ("onnx", "torchscript", "pytorch", "safetensors"):
        assert main(["export", str(run_dir), "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
        card = json.loads((tmp_path / fmt / "model-card.json").read_text())
        assert card["format"] == fmt and card["data"]["sha256"]
        assert (tmp_path / fmt / "model-card.md").read_text().startswith(f"# {name}")
        out[fmt] = card
    assert out["onnx"]["verification"]["opset"] == 17
    assert out["onnx"]["verification"]["max_abs_diff"] <= 1e-4

    run = load_run(run_dir)
    inputs = from_file(run, data)
    preds = predict(run, inputs)
    case: dict[str, np.ndarray] = {}
    if run.task == "language_model":
        x = inputs.x[: 4 * 20].reshape(4, 20)
        case.update(text=np.array(data.read_text()), expected=_full_probs(run, inputs.x))
        lengths = None
    else:
        case.update(_raw_inputs(run, data))
        case["expected"] = preds.proba if preds.proba is not None else preds.values
        x, lengths = inputs.x[:16], None if inputs.lengths is None else inputs.lengths[:16]
    x = np.ascontiguousarray(x)
    full = np.full(len(x), x.shape[1], dtype=np.int64)
    with torch.inference_mode():
        logits, _ = run.model(torch.from_numpy(x))
    case.update(x=x, full_lengths=full, logits=logits.numpy())

    # ONNX with another batch size and sequence length than it was exported with.
    session = ort.InferenceSession(str(tmp_path / "onnx" / "model.onnx"))
    feed = {"x": x, "lengths": full}
    declared = [i.name for i in session.get_inputs()]
    got = session.run(None, {k: v for k, v in feed.items() if k in declared})[0]
    np.testing.assert_allclose(got, logits.numpy(), atol=1e-4)
    if lengths is not None and "lengths" in declared:  # ragged batch: only the model's output
        with torch.inference_mode():
            want, _ = run.model(torch.from_numpy(x), torch.from_numpy(lengths))
        got = session.run(None, {"x": x, "lengths": lengths.astype(np.int64)})[0]
        np.testing.assert_allclose(got, want.numpy(), atol=1e-4)

    np.savez(tmp_path / "case.npz", **case)
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(tmp_path / "case.npz"),
            str(tmp_path / "pytorch"),
            str(tmp_path / "torchscript" / "model.pt"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    diffs = json.loads(child.stdout.strip().splitlines()[-1])
    assert diffs["pytorch"] <= 1e-6, diffs
    assert diffs["torchscript"] <= 1e-6, diffs


def _full_probs(run, stream: np.ndarray) -> np.ndarray:
    """The workbench's next-token distribution after every position (state carried)."""
    seq_len, state, out = run.pre.seq_len, None, []
    with torch.inference_mode():
        for start in range(0, len(stream) - 1, seq_len):
            chunk = torch.from_numpy(stream[start : min(len(stream) - 1, start + seq_len)][None])
            logits, state = run.model(chunk, None, state)
            out.append(torch.softmax(logits[0].double(), -1).numpy())
    return np.concatenate(out)


def test_export_errors(runs, tmp_path, capsys):
    assert main(["export", str(tmp_path / "none"), "--format", "onnx"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert main(["export", str(runs["gru"]), "--format", "pytorch", "--out", str(blocked)]) == 2
    assert "cannot create the folder" in capsys.readouterr().err
