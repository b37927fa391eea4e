"""Choosing and describing the compute device (`auto` picks CUDA, then MPS, then CPU)."""

from __future__ import annotations

import torch

from workbench.core.errors import WorkbenchError


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for a spec's ``device`` string; a clear error when it is not there."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise WorkbenchError(
                f"device {name!r} asked for, but this machine has no usable CUDA GPU",
                "use --device cpu (or auto), or install a CUDA build of torch",
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise WorkbenchError(
                f"device {name!r} asked for, but only {torch.cuda.device_count()} GPU(s) are visible"
            )
        return torch.device("cuda", index)
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise WorkbenchError("device 'mps' asked for, but Apple's MPS is not available here")
        return torch.device("mps")
    if name == "cpu":
        return torch.device("cpu")
    raise WorkbenchError(f"unknown device {name!r}", "use auto, cpu, cuda, cuda:N or mps")


def describe_device(device: torch.device) -> str:
    """A human name: 'CPU (2 threads)', 'CUDA 0: NVIDIA H100', 'Apple MPS'."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"CUDA {index}: {torch.cuda.get_device_name(index)}"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"


def available_devices() -> list[str]:
    """Device strings usable on this machine, for the GUI's device list."""
    found = ["auto", "cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found
