"""What ``Trainer.run()`` returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Keys of ``to_dict`` that say where figures come from (``RunResult.sources``).
SOURCES = ("val_from", "test_from", "baseline")


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

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> RunResult:
        """The result ``to_dict`` (``workbench train --json``) printed, read back."""
        known = {"status", "epochs", "steps", "run_dir", "message", "hint"}
        sources = {k: str(v) for k, v in record.items() if k in SOURCES and v is not None}
        metrics = {
            k: math.nan if v is None else float(v)
            for k, v in record.items()
            if k not in known
            and k not in SOURCES
            and (v is None or (isinstance(v, int | float) and not isinstance(v, bool)))
        }
        run_dir = record.get("run_dir")
        return cls(
            str(record.get("status", "")),
            int(record.get("epochs") or 0),
            int(record.get("steps") or 0),
            metrics,
            Path(run_dir) if run_dir else None,
            str(record.get("message") or ""),
            str(record.get("hint") or ""),
            sources,
        )

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
