"""Target transforms for series: ``log``, ``difference`` (lag 1), ``seasonal_difference`` (lag k).

A trending series (airline passengers) leaves a model trained on scaled *levels* unable to
forecast past the training range; on differences it only has to learn the changes. The chain is
applied to the target columns of the whole series before windowing (and before the normalizer is
fitted on the training part), and inverted for every reported figure, so metrics, plots and
predictions are in the original units.

Inverting a difference needs the original values just before the first target: each window
keeps the position of its first target step, and ``invert`` takes the ``history`` original rows
before it (``TargetTransform.history`` = the sum of the lags). Multi-step forecasts are rebuilt
step by step (a step further than the lag adds onto the already rebuilt value).

The fitted chain is plain JSON (``to_dict`` / ``from_dict``) and travels in the run's
``project.json`` as ``data.target_transform_state``, so predict/export rebuild the same one.

Example::

    tf = TargetTransform.fit(["log", "difference"], series[:100], season=12)
    z = tf.apply(series)                     # [L, C]; the first tf.history rows are NaN
    back = tf.invert(z[None, 100:103], series[None, 100 - tf.history : 100])  # == series[100:103]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.core.errors import DataError

TRANSFORMS = ("none", "log", "difference", "seasonal_difference")


@dataclass
class TargetTransform:
    """A fitted chain of target transforms, applied in order, inverted in reverse.

    Args:
        steps: ``(name, lag)`` pairs; ``lag`` is 0 for ``log``.
    """

    steps: list[tuple[str, int]] = field(default_factory=list)

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        names: list[str],
        train_values: np.ndarray,
        season: int | None,
        where: str = "data",
    ) -> TargetTransform:
        """The chain ``names`` checked against the training rows ``[M, C]`` of the targets.

        ``season`` is the lag of ``seasonal_difference`` (already resolved from ``auto``).
        """
        steps: list[tuple[str, int]] = []
        for name in names:
            if name == "none":
                continue
            if name == "log":
                steps.append(("log", 0))
            elif name == "difference":
                steps.append(("difference", 1))
            elif name == "seasonal_difference":
                if not season or season < 2:
                    raise DataError(
                        f"{where}: seasonal_difference needs a season of 2 steps or more "
                        f"(got {season})",
                        "set data.season, or give the file a time column so it can be guessed",
                    )
                steps.append(("seasonal_difference", int(season)))
            else:
                raise DataError(
                    f"{where}: unknown target transform {name!r}",
                    f"use one of: {', '.join(TRANSFORMS)}",
                )
        tf = cls(steps)
        tf.apply(np.asarray(train_values, dtype=np.float64), where)  # fails early on bad values
        return tf

    @property
    def history(self) -> int:
        """Original steps needed before a target to invert it (the sum of the lags)."""
        return sum(lag for _, lag in self.steps)

    @property
    def is_identity(self) -> bool:
        return not self.steps

    def describe(self) -> str:
        if not self.steps:
            return "none"
        return " then ".join(n if n == "log" else f"{n} (lag {lag})" for n, lag in self.steps)

    # ---- forward --------------------------------------------------------------------------
    def apply(self, values: np.ndarray, where: str = "data") -> np.ndarray:
        """Transform a series ``[L, C]`` (float64 result); rows without enough history are NaN."""
        out = np.array(values, dtype=np.float64, copy=True)
        for name, lag in self.steps:
            if name == "log":
                finite = out[np.isfinite(out)]
                if finite.size and finite.min() <= 0:
                    raise DataError(
                        f"{where}: the log transform needs values above 0 (found {finite.min():g})",
                        "use 'none' or 'difference' for targets that can be 0 or negative",
                    )
                out = np.log(out)
            else:
                shifted = np.full_like(out, np.nan)
                if lag < len(out):
                    shifted[lag:] = out[:-lag]
                out = out - shifted
        return out

    # ---- inverse --------------------------------------------------------------------------
    def invert(self, values: np.ndarray, history: np.ndarray) -> np.ndarray:
        """Transformed targets ``[N, H, C]`` back to original units.

        ``history``: ``[N, self.history, C]`` original values just before each first target.
        """
        values = np.asarray(values, dtype=np.float64)
        if not self.steps:
            return values.copy()
        history = np.asarray(history, dtype=np.float64)
        # The history seen at each stage of the chain (stage 0 = original units).
        stages = [history]
        for name, lag in self.steps[:-1]:
            prev = stages[-1]
            stages.append(np.log(prev) if name == "log" else prev[:, lag:] - prev[:, :-lag])
        current = values
        for (name, lag), before in zip(reversed(self.steps), reversed(stages)):
            if name == "log":
                current = np.exp(current)
                continue
            rebuilt = np.empty_like(current)
            for h in range(current.shape[1]):
                base = before[:, before.shape[1] - lag + h] if h < lag else rebuilt[:, h - lag]
                rebuilt[:, h] = current[:, h] + base
            current = rebuilt
        return current

    # ---- persistence ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"steps": [{"name": n, "lag": int(lag)} for n, lag in self.steps]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TargetTransform:
        if not data:
            return cls([])
        try:
            return cls([(str(s["name"]), int(s["lag"])) for s in data["steps"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"target transform state could not be read ({exc})", "train the run again"
            ) from None


#: Median spacing of the time column (seconds) → the season a forecaster would guess.
_SEASONS = (
    (60.0, 60),  # minutes → hourly cycle
    (3600.0, 24),  # hours → daily cycle
    (86400.0, 7),  # days → weekly cycle
    (7 * 86400.0, 52),  # weeks → yearly cycle
    (30.44 * 86400.0, 12),  # months → yearly cycle
    (91.3 * 86400.0, 4),  # quarters → yearly cycle
)


def guess_season(times: Any) -> int | None:
    """The usual season for the spacing of a time column (12 monthly, 7 daily, 24 hourly …);
    None when the column is not dates or the spacing is unusual."""
    if times is None or len(times) < 3:
        return None
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(pd.Series(np.asarray(times, dtype=object)), errors="coerce")
    if parsed.isna().mean() > 0.1:
        return None
    steps = parsed.dropna().diff().dropna().dt.total_seconds().to_numpy()
    if steps.size == 0:
        return None
    spacing = float(np.median(steps))
    for seconds, season in _SEASONS:
        if abs(spacing - seconds) <= 0.1 * seconds:
            return season
    return None


def resolve_season(season: int | None, times: Any) -> int:
    """The spec's season, or the guess from the time column (``None`` = auto); 1 = no season."""
    if season:
        return int(season)
    return guess_season(times) or 1
