"""`workbench report`: one self-contained HTML file with the sections a reader expects."""

from __future__ import annotations

import re

from workbench.cli import main


def test_report_is_self_contained(runs, tmp_path, capsys):
    for name in ("lstm", "gru"):
        out = tmp_path / f"{name}.html"
        assert main(["report", str(runs[name]), "--out", str(out)]) == 0
        html = out.read_text()
        for section in ("Model", "Training curves", "Metrics", "Evaluation", "Settings", "Data"):
            assert f"<h2>{section}" in html, section
        assert html.count("<svg") >= 2
        # Nothing fetched from elsewhere: no scripts, no external links or images.
        assert not re.search(r"<script|https?://(?!www\.w3\.org/2000/svg)|<img|<link", html)
    assert "Confusion matrix" in (tmp_path / "lstm.html").read_text()
    assert "first forecast step" in (tmp_path / "gru.html").read_text()


def test_report_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
