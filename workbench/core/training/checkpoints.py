"""Checkpoints: one safetensors file per checkpoint, tensors plus a JSON header. Never pickle.

A checkpoint holds the model weights (``model.*``), the optimizer's tensors (``optim.<param>.<key>``),
RNG states (``rng.*``), a carried recurrent state (``state.*``) and everything else — position
in the data, schedule, early-stopping counters, optimizer hyper-parameters — as JSON in the
safetensors metadata. One file means one atomic ``os.replace``: a crash mid-save leaves the
previous checkpoint whole. Loading parses safetensors only, so a crafted pickle is refused
without ever being executed.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from workbench.core.errors import TrainingError
from workbench.core.files import check_regular
from workbench.core.spec.project_file import atomic_write_bytes

META_KEY = "workbench_checkpoint"
#: SHA-256 of the JSON header and every tensor (name, dtype, shape, bytes), checked on load: a
#: flipped bit or an edited value is refused instead of trained on. Integrity, not a signature:
#: files from before the hash (or with it removed) load unchecked.
HASH_KEY = "workbench_sha256"
FORMAT = 1


def _plain(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to("cpu").contiguous()


def content_hash(header: str, tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the JSON header and each tensor's name, dtype, shape and bytes."""
    digest = hashlib.sha256(header.encode("utf-8"))
    for name in sorted(tensors):
        t = tensors[name]
        digest.update(f"\0{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        if t.numel():
            digest.update(t.contiguous().reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def serialize_checkpoint(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint file: a snapshot, so the tensors may change afterwards."""
    header = json.dumps({"format": FORMAT, **meta})
    plain = {k: _plain(v) for k, v in tensors.items()}
    metadata = {META_KEY: header, HASH_KEY: content_hash(header, plain)}
    return st_save(plain, metadata=metadata)


def save_checkpoint(
    path: str | Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    """Write ``tensors`` + JSON ``meta`` atomically (temp file, fsync, ``os.replace``)."""
    atomic_write_bytes(path, serialize_checkpoint(tensors, meta))


def link_or_copy(src: str | Path, dst: str | Path) -> None:
    """Make ``dst`` an atomic hard link of the finished file ``src`` (no second write, no
    second fsync); a plain atomic copy where the file system has no hard links."""
    src, dst = Path(src), Path(dst)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.link")
    try:
        if tmp.exists():
            tmp.unlink()
        os.link(src, tmp)
        os.replace(tmp, dst)
    except OSError:
        if tmp.exists():
            tmp.unlink()
        atomic_write_bytes(dst, src.read_bytes())


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and JSON meta of a checkpoint; a ``TrainingError`` for anything else."""
    path = Path(path)
    check_regular(path, str(path), TrainingError)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise TrainingError(f"{path}: cannot read the checkpoint ({exc.strerror or exc})") from None
    try:
        extra = _header(payload).get("__metadata__", {})
        header = extra[META_KEY]
        meta = json.loads(header)
        tensors = st_load(payload)
    except Exception:  # any parse failure: refuse the file, never try another loader
        raise TrainingError(
            f"{path}: not a workbench checkpoint (damaged, or another file format)",
            "checkpoints are safetensors files written by the workbench; other files are never "
            "unpickled for safety",
        ) from None
    if not isinstance(meta, dict):
        raise TrainingError(f"{path}: not a workbench checkpoint (its header is not an object)")
    version = meta.get("format", 0)
    if not isinstance(version, int) or version > FORMAT:
        raise TrainingError(f"{path}: written by a newer workbench", "update the workbench")
    expected = extra.get(HASH_KEY)
    if expected is not None and expected != content_hash(header, tensors):
        raise TrainingError(
            f"{path}: damaged checkpoint: its content does not match the hash it was saved with",
            "the file was changed after it was written (disk fault or an edit); it was not used",
        )
    return tensors, meta


def _header(payload: bytes) -> dict[str, Any]:
    if len(payload) < 8:
        raise ValueError("too short")
    (size,) = struct.unpack("<Q", payload[:8])
    if size > len(payload) - 8:
        raise ValueError("bad header size")
    return json.loads(payload[8 : 8 + size])


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Weights from a ``.safetensors`` file or a PyTorch ``.pt`` file (``weights_only=True``:
    a file that needs unpickling of arbitrary objects is refused, not run)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        tensors, _ = load_checkpoint(path)
        model = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
        return model or tensors
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise TrainingError(
            f"{path}: refused to load ({type(exc).__name__})",
            "only plain tensors are read from .pt files; re-save the weights with safetensors",
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise TrainingError(f"{path}: does not hold a state dict of tensors")
    return data


# ---- optimizer state ------------------------------------------------------------------------
def optimizer_to_flat(
    optimizer: torch.optim.Optimizer,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into tensors and JSON-safe rest."""
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    other: dict[str, dict[str, Any]] = {}
    for pid, state in sd["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{pid}.{key}"] = value
            else:
                other.setdefault(str(pid), {})[key] = value
    return tensors, {"param_groups": sd["param_groups"], "state": other}


def optimizer_from_flat(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, pid, key = name.split(".", 2)
            state.setdefault(int(pid), {})[key] = value
    for pid, rest in meta.get("state", {}).items():
        state.setdefault(int(pid), {}).update(rest)
    groups = []
    for group in meta["param_groups"]:
        group = dict(group)
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])
        groups.append(group)
    optimizer.load_state_dict({"state": state, "param_groups": groups})


# ---- recurrent state carried across chunks (language models) ---------------------------------
def state_to_flat(state: list[Any] | None) -> tuple[dict[str, torch.Tensor], list[Any]]:
    tensors: dict[str, torch.Tensor] = {}
    layout: list[Any] = []
    for i, s in enumerate(state or []):
        if s is None:
            layout.append(None)
        elif isinstance(s, tuple):
            layout.append(len(s))
            for j, t in enumerate(s):
                tensors[f"state.{i}.{j}"] = t
        else:
            layout.append(0)
            tensors[f"state.{i}"] = s
    return tensors, layout


def state_from_flat(
    tensors: dict[str, torch.Tensor], layout: list[Any] | None, device: torch.device | str
) -> list[Any] | None:
    if layout is None:
        return None
    state: list[Any] = []
    for i, entry in enumerate(layout):
        if entry is None:
            state.append(None)
        elif entry == 0:
            state.append(tensors[f"state.{i}"].to(device))
        else:
            state.append(tuple(tensors[f"state.{i}.{j}"].to(device) for j in range(entry)))
    return state


# ---- RNG -------------------------------------------------------------------------------------
def rng_to_flat(device: torch.device, data_state: torch.Tensor | None) -> dict[str, torch.Tensor]:
    """Global torch RNG (dropout), the CUDA RNG, and the data-order generator's state as it was
    at the start of the current epoch (so the epoch's batch order can be drawn again)."""
    out = {"rng.torch": torch.get_rng_state()}
    if device.type == "cuda":
        out["rng.cuda"] = torch.cuda.get_rng_state(device)
    if data_state is not None:
        out["rng.data"] = data_state
    return out


def rng_from_flat(tensors: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor | None:
    """Restore the global RNGs; returns the saved data-order generator state (or None)."""
    torch.set_rng_state(tensors["rng.torch"])
    if device.type == "cuda" and "rng.cuda" in tensors:
        torch.cuda.set_rng_state(tensors["rng.cuda"], device)
    return tensors.get("rng.data")
