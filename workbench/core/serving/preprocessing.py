"""What a run fitted on its training data, saved beside it so new data is prepared the same way.

``<run>/preprocessing.json`` holds plain JSON: task, feature / target / class names, the
vocabulary, normalization stats, window / horizon and a hash of the data source. Torch-free.
Runs written before this file existed get it rebuilt from their training data on first use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.spec.project_file import atomic_write_bytes
from workbench.core.spec.task import VALUE_TASKS, Task

FILE_NAME = "preprocessing.json"
FORMAT = 1


@dataclass
class Preprocessing:
    """The fitted preprocessing of one run (see the module docstring)."""

    task: str
    data_format: str
    n_features: int
    output_size: int
    feature_names: list[str] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)
    class_names: list[str] | None = None
    vocab: list[str] | None = None
    token_joiner: str = ""
    text_level: str = "char"
    normalization: dict[str, Any] | None = None
    window: int = 0
    horizon: int = 0
    seq_len: int = 0
    source: str = ""
    source_sha256: str | None = None
    #: Fitted target transforms + season (``SeriesTargets.state()``; rebuild the chain with
    #: ``TargetTransform.from_dict(target_transform["transform"])``), None without windows.
    target_transform: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def feature_stats(self) -> dict[str, Any] | None:
        return (self.normalization or {}).get("features")

    @property
    def target_stats(self) -> dict[str, Any] | None:
        return (self.normalization or {}).get("targets")

    @property
    def output_names(self) -> list[str]:
        """One name per model output: class names, or targets (``name+h`` for horizon h)."""
        if self.class_names is not None:
            return list(self.class_names)
        if self.vocab is not None:
            return list(self.vocab)
        if self.task == Task.FORECASTING and self.horizon > 1:
            return [f"{t}+{h + 1}" for h in range(self.horizon) for t in self.target_names]
        return list(self.target_names)


def file_sha256(path: Path | None) -> str | None:
    """SHA-256 of a data file, read in 1 MiB blocks (None for built-in data)."""
    if path is None or not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def from_prepared(spec: Any, data: Any, base_dir: Path | None) -> Preprocessing:
    """The preprocessing of ``data`` (a ``PreparedData``) loaded from ``spec`` (a ``ProjectSpec``)."""
    from workbench.core.data.sources import detect_format, resolve

    source = resolve(spec.data.source, base_dir)
    d = spec.data
    return Preprocessing(
        task=data.task,
        data_format=detect_format(d, source),
        n_features=int(data.n_features),
        output_size=int(data.output_size),
        feature_names=list(data.summary.feature_names),
        target_names=list(data.target_names),
        class_names=None if data.class_names is None else list(data.class_names),
        vocab=None if data.vocab is None else list(data.vocab),
        token_joiner=data.token_joiner,
        text_level=d.text_level,
        normalization=data.normalization_stats,
        window=d.window if data.task in VALUE_TASKS and data.summary.window else 0,
        horizon=d.horizon if data.task == Task.FORECASTING else 0,
        seq_len=d.seq_len if data.task == Task.LANGUAGE_MODEL else 0,
        source=d.source,
        source_sha256=file_sha256(source.path),
        target_transform=None if data.series_targets is None else data.series_targets.state(),
    )


def save(run_path: Path, pre: Preprocessing) -> None:
    payload = json.dumps(pre.to_dict(), indent=1, ensure_ascii=False) + "\n"
    atomic_write_bytes(Path(run_path) / FILE_NAME, payload.encode("utf-8"))


def load(run_path: Path) -> Preprocessing | None:
    """The saved preprocessing, or None when the run has none (or it is unreadable)."""
    try:
        data = json.loads((Path(run_path) / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format", 0) > FORMAT:
        return None
    return Preprocessing.from_dict(data)
