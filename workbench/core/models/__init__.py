"""Spec → ``nn.Module`` (fused kernels), model summary, and inspection of recurrent layers.

Attributes load lazily so ``workbench.core.models.summary`` stays torch-free (the GUI uses it
before torch is imported).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "SequenceModel": "workbench.core.models.builder",
    "build_model": "workbench.core.models.builder",
    "detach_state": "workbench.core.models.builder",
    "pool": "workbench.core.models.builder",
    "valid_mask": "workbench.core.models.builder",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
