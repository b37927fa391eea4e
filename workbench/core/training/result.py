"""What ``Trainer.run()`` returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunResult:
    status: str  # completed | stopped | diverged
    epochs: int  # epochs finished
    steps: int  # optimizer steps done
    metrics: dict[str, float] = field(
        default_factory=dict
    )  # train_loss, val_*, test_*, samples_per_s
    run_dir: Path | None = None
    message: str = ""
    hint: str = ""
    #: ``val_from`` / ``test_from``: the checkpoint each split's figures were measured on.
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """One flat JSON-safe object (non-finite numbers become null)."""
        out: dict[str, Any] = {"status": self.status, "epochs": self.epochs, "steps": self.steps}
        out.setdefault("train_loss", None)
        out.setdefault("val_loss", None)
        for key, value in self.metrics.items():
            out[key] = None if isinstance(value, float) and not math.isfinite(value) else value
        out.update(self.sources)
        out["run_dir"] = str(self.run_dir) if self.run_dir is not None else None
        if self.message:
            out["message"] = self.message
        if self.hint:
            out["hint"] = self.hint
        return out
