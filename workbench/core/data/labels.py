"""Class labels → ids, with class names sorted the way people expect (numbers numerically)."""

from __future__ import annotations

import numpy as np

from workbench.core.errors import DataError


def label_text(value: object) -> str:
    """'3' for 3 and 3.0, the text itself for strings."""
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value).strip()


def as_label_strings(labels: np.ndarray) -> np.ndarray:
    if labels.dtype.kind in "iu":
        return labels.astype(str)
    flat = [label_text(v) for v in labels.reshape(-1)]
    return np.array(flat, dtype=object).reshape(labels.shape)


def _sort_key(name: str) -> tuple[int, float, str]:
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name)


def encode(
    labels: np.ndarray, class_names: list[str] | None, valid: np.ndarray | None, where: str
) -> tuple[np.ndarray, list[str]]:
    """Integer ids (int64, same shape) and the class names; ``valid`` marks the entries that
    count (per-step labels past a sequence's end do not)."""
    text = as_label_strings(labels)
    seen = text if valid is None else text[valid]
    if class_names is None:
        class_names = sorted({str(v) for v in np.unique(seen.astype(str))}, key=_sort_key)
    index = {name: i for i, name in enumerate(class_names)}
    uniq, inverse = np.unique(text.astype(str), return_inverse=True)
    lookup = np.array([index.get(str(u), -1) for u in uniq], dtype=np.int64)
    ids = lookup[inverse.reshape(-1)].reshape(text.shape)
    unknown = ids < 0 if valid is None else (ids < 0) & valid
    if unknown.any():
        name = text[tuple(np.argwhere(unknown)[0])]
        raise DataError(
            f"{where}: label {name!r} is not one of the declared classes",
            f"classes: {', '.join(class_names[:20])}",
        )
    ids[ids < 0] = 0  # labels past a sequence's end: never counted (masked)
    if len(class_names) < 2:
        raise DataError(
            f"{where}: only one class ({class_names[0] if class_names else 'none'}) in the labels",
            "classification needs at least two classes; check the label column",
        )
    return ids, class_names


def as_float_targets(y: np.ndarray, where: str) -> np.ndarray:
    """Numeric targets [N, K] (float32) for regression."""
    if y.dtype == object or y.dtype.kind in "US":
        try:
            y = np.asarray([[float(v) for v in np.atleast_1d(row)] for row in y], dtype=np.float32)
        except (TypeError, ValueError):
            raise DataError(
                f"{where}: regression needs numeric targets (found text labels)",
                "use task 'classification' for class labels",
            ) from None
    y = np.asarray(y, dtype=np.float32)
    return y[:, None] if y.ndim == 1 else y.reshape(y.shape[0], -1)
