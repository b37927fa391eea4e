"""A training file and its test file (``*_TRAIN.ts`` beside ``*_TEST.ts``, or ``test_source``).

The pairing is made visible (a note naming the test file, separate counts) and checked: a
test file from another problem, with other dimensions, another fixed length or another class
list is refused instead of being appended to the training data.
"""

from __future__ import annotations

from workbench.core.data.raw import RawSequences
from workbench.core.errors import DataError

_HINT = "use the matching _TRAIN / _TEST pair (or set test_source)"


def attach_test(raw: RawSequences, where: str, test_where: str, automatic: bool) -> None:
    """Check ``raw.test`` against ``raw`` and note where the test part comes from."""
    test = raw.test
    assert test is not None
    test.where = test_where
    if raw.problem and test.problem and raw.problem != test.problem:
        raise DataError(
            f"{test_where}: problem {test.problem!r}, but the training file {where} is "
            f"problem {raw.problem!r}",
            _HINT,
        )
    if test.x.shape[2] != raw.x.shape[2]:
        raise DataError(
            f"{test_where}: {test.x.shape[2]} dimensions per step, but the training file "
            f"{where} has {raw.x.shape[2]}",
            _HINT,
        )
    if raw.lengths is None and test.lengths is None and raw.x.shape[1] != test.x.shape[1]:
        raise DataError(
            f"{test_where}: series of length {test.x.shape[1]}, but the training file "
            f"{where} has length {raw.x.shape[1]}",
            _HINT,
        )
    if raw.class_names and test.class_names and list(raw.class_names) != list(test.class_names):
        raise DataError(
            f"{test_where}: classes {', '.join(test.class_names)}, but the training file "
            f"{where} declares {', '.join(raw.class_names)}",
            _HINT,
        )
    how = "found beside the _TRAIN file" if automatic else "from test_source"
    raw.notes.append(
        f"test part: {test_where} ({test.n} sequences, {how}); the training file's "
        f"{raw.n} sequences give the train and validation parts"
    )
