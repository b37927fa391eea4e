"""`workbench runs list|show|rename|annotate|delete|restore`: find and tidy a project's runs.

``PROJECT`` (a project file or ``example:NAME``) names the run store (``PROJECT.runs/`` beside
the file); ``--run-dir DIR`` names a store folder directly (an old ``./runs`` works too). A
``RUN`` is a run folder's path, or its number (``3``) or name inside the store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def add_parser(sub) -> None:
    p = sub.add_parser("runs", help="list, show, rename, annotate or delete runs of a project")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, help_text: str, needs_run: bool = True):
        q = verbs.add_parser(name, help=help_text)
        if needs_run:
            q.add_argument("ref", metavar="RUN", help="run folder, or number / name with PROJECT")
        q.add_argument("--project", "-p", help="project file or example:NAME (its run store)")
        q.add_argument("--run-dir", help="a folder of runs (instead of --project)")
        q.add_argument("--json", action="store_true", help="print one JSON object")
        q.set_defaults(run=run)
        return q

    q = verb("list", "the runs of a project, newest first", needs_run=False)
    q.add_argument("project_pos", nargs="?", metavar="PROJECT", help="project file or example:NAME")
    verb("show", "one run: name, status, metrics, notes, settings")
    q = verb("rename", "give a run a new name")
    q.add_argument("name", help="the new name")
    q = verb("annotate", "notes, tags and star of a run")
    q.add_argument("--notes", help="replace the notes")
    q.add_argument("--tag", action="append", default=[], help="add a tag (repeatable)")
    q.add_argument("--untag", action="append", default=[], help="remove a tag (repeatable)")
    q.add_argument("--star", action="store_true", help="star the run")
    q.add_argument("--unstar", action="store_true", help="remove the star")
    verb("delete", "move a run to its store's trash (undo with `runs restore`)")
    verb("restore", "bring a deleted run back from the trash")


def _store(args) -> Path | None:
    from workbench.core.run_store import runs_dir_for

    project = getattr(args, "project_pos", None) or args.project
    if args.run_dir:
        return Path(args.run_dir)
    return runs_dir_for(project) if project else None


def run(args) -> int:
    from workbench.core import run_store as store
    from workbench.core.errors import WorkbenchError
    from workbench.core.run_summary import summarize

    root = _store(args)
    if args.verb == "list":
        return _list(args, root)
    if args.verb == "restore":
        base = root / store.TRASH if root is not None and not Path(args.ref).is_dir() else None
        path = store.restore_run(base / args.ref if base else args.ref)
        return _out(args, {"restored": str(path)}, f"restored {path}")
    if root is None and not Path(args.ref).is_dir():
        raise WorkbenchError(
            f"{args.ref}: no such run folder", "give a run folder, or --project with a number"
        )
    path = store.find_run(args.ref, root)
    if args.verb == "show":
        summary = summarize(path)
        out = {**summary.to_dict(), "settings": summary.settings}
        return _out(args, out, _show_text(summary))
    if args.verb == "rename":
        meta = store.update_meta(path, name=args.name)
        return _out(args, {"run_dir": str(path), **meta.to_dict()}, f"renamed: {meta.name}")
    if args.verb == "annotate":
        meta = store.read_meta(path)
        tags = [t for t in meta.tags if t not in args.untag] + [
            t for t in args.tag if t not in meta.tags
        ]
        changes: dict[str, Any] = {"tags": tags}
        if args.notes is not None:
            changes["notes"] = args.notes
        if args.star or args.unstar:
            changes["starred"] = bool(args.star)
        meta = store.update_meta(path, **changes)
        return _out(args, {"run_dir": str(path), **meta.to_dict()}, _meta_text(meta))
    trashed = store.delete_run(path)
    return _out(
        args,
        {"deleted": str(path), "trash": str(trashed)},
        f"moved to the trash: {trashed}\nundo with: workbench runs restore {trashed}",
    )


def _list(args, root: Path | None) -> int:
    from workbench.core.errors import WorkbenchError
    from workbench.core.run_store import legacy_roots
    from workbench.core.run_summary import list_summaries

    if root is None:
        raise WorkbenchError("which project's runs?", "give PROJECT, or --run-dir DIR")
    project = getattr(args, "project_pos", None) or args.project
    name = ""
    if project:
        from workbench.core.spec.project_file import load_project

        try:
            name = load_project(project)[0].name
        except WorkbenchError:
            name = ""  # a moved or broken project file: its run store still lists
    runs = list_summaries(root, legacy_roots(project) if project else [], name)
    if args.json:
        print(json.dumps({"root": str(root), "runs": [r.to_dict() for r in runs]}))
        return 0
    if not runs:
        print(f"no runs in {root}")
        return 0
    from workbench.core.run_summary import format_duration

    print(f"runs in {root}:")
    for r in runs:
        star = "★" if r.meta.starred else " "
        shown = ", ".join(f"{k} {v:.4g}" for k, v in r.metrics.items() if k in _SHOWN)
        tags = f" [{', '.join(r.meta.tags)}]" if r.meta.tags else ""
        print(
            f"{star}{r.meta.number:>4}  {r.name[:36]:<36} {r.status:<10} "
            f"{format_duration(r.duration_s):>8}  {shown}{tags}"
        )
    return 0


_SHOWN = ("train_loss", "val_loss", "val_accuracy", "test_accuracy", "test_loss")


def _out(args, payload: dict[str, Any], text: str) -> int:
    print(json.dumps(payload, default=str) if args.json else text)
    return 0


def _meta_text(meta) -> str:
    star = "★ " if meta.starred else ""
    tags = f"  [{', '.join(meta.tags)}]" if meta.tags else ""
    notes = f"\n  {meta.notes}" if meta.notes else ""
    return f"{star}{meta.name}{tags}{notes}"


def _show_text(summary) -> str:
    lines = [_meta_text(summary.meta), f"  folder:  {summary.path}", f"  status:  {summary.status}"]
    lines.append(f"  epochs:  {summary.epoch}   steps: {summary.step}")
    for key, value in summary.metrics.items():
        lines.append(f"  {key:<16} {value:.6g}")
    return "\n".join(lines)
