"""The document shares specs between its undo steps instead of deep-copying the project per edit
(the immutability contract in workbench.core.spec.project), and undo still restores exactly."""

from __future__ import annotations

import copy

from workbench.core.spec.paths import with_path
from workbench.core.spec.project_file import load_project
from workbench.gui.document import ProjectDocument


def _count_project_deepcopies(monkeypatch) -> list[int]:
    calls = [0]
    real = copy.deepcopy
    depth = [0]

    def counting(obj, memo=None):
        if depth[0] == 0 and type(obj).__name__ == "ProjectSpec":
            calls[0] += 1
        depth[0] += 1
        try:
            return real(obj, memo)
        finally:
            depth[0] -= 1

    monkeypatch.setattr(copy, "deepcopy", counting)
    return calls


def test_with_path_copies_only_the_path_and_leaves_the_original_alone():
    spec, _ = load_project("example:seed-lstm")
    before = copy.deepcopy(spec)
    new = with_path(spec, "model.layers[0].hidden_size", 7)
    assert new.model.layers[0].hidden_size == 7
    assert spec == before  # the original is untouched
    assert new.model.layers[0] is not spec.model.layers[0]
    assert new.model.layers is not spec.model.layers
    assert new.data is spec.data and new.train is spec.train  # off the path: shared


def test_edits_make_at_most_one_deep_copy_and_undo_restores_exactly(qtbot, monkeypatch):
    spec, _ = load_project("example:seed-lstm")
    doc = ProjectDocument(spec)
    original = doc.spec
    snapshot = copy.deepcopy(original)
    calls = _count_project_deepcopies(monkeypatch)

    doc.set_value("train.epochs", 123)
    assert calls[0] == 0
    doc.edit("Wider", lambda s: setattr(s.model.layers[0], "hidden_size", 99))
    assert calls[0] == 1
    assert (doc.spec.train.epochs, doc.spec.model.layers[0].hidden_size) == (123, 99)

    doc.undo()
    doc.undo()
    assert calls[0] == 1
    assert doc.spec is original and doc.spec == snapshot  # nothing was changed in place
    doc.redo()
    assert doc.spec.train.epochs == 123 and doc.spec.model.layers[0].hidden_size != 99
