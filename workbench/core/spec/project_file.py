"""Project files: load, save (atomically) and the built-in examples (``example:NAME``)."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workbench.core.errors import Problem, SpecError, WorkbenchError
from workbench.core.files import inside, read_bytes_capped
from workbench.core.resources import examples_dir
from workbench.core.spec.project import ProjectSpec

EXAMPLE_PREFIX = "example:"
#: Project files are small JSON; anything larger is the wrong file (or /dev/zero).
MAX_PROJECT_BYTES = 16 * 1024**2


@dataclass(frozen=True)
class Example:
    name: str
    description: str
    path: Path


def list_examples() -> list[Example]:
    """The shipped example projects, by name."""
    found = []
    for path in sorted(examples_dir().glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(Example(path.stem, data.get("description", ""), path))
    return found


def resolve_project_path(ref: str | os.PathLike[str]) -> Path:
    """A project file path for ``ref`` (a path, or ``example:NAME``)."""
    text = str(ref)
    if text.startswith(EXAMPLE_PREFIX):
        name = text[len(EXAMPLE_PREFIX) :]
        path = inside(examples_dir(), f"{name}.json", text, WorkbenchError)
        if not path.is_file():
            names = ", ".join(e.name for e in list_examples())
            raise WorkbenchError(f"no example named {name!r}", f"examples: {names}")
        return path
    return Path(text)


def load_project(ref: str | os.PathLike[str]) -> tuple[ProjectSpec, Path]:
    """Read and validate a project; returns the spec and the folder its relative paths use."""
    path = resolve_project_path(ref)
    spec = ProjectSpec.from_dict(_read_json(path), source=str(path))
    return spec, path.resolve().parent


def load_project_for_editing(
    ref: str | os.PathLike[str],
) -> tuple[ProjectSpec, Path, list[Problem]]:
    """Read a project that may have invalid values, for an editor to fix: (spec, folder, the
    problems met while reading — those values were reset to defaults). Values out of range are
    kept (``spec.problems()`` lists them). Raises when nothing usable can be read."""
    path = resolve_project_path(ref)
    spec, problems = ProjectSpec.parse(_read_json(path))
    if spec is None:
        raise SpecError(problems or [Problem("spec", "could not be read")], source=str(path))
    return spec, path.resolve().parent, problems


def _read_json(path: Path) -> object:
    """The JSON of a project file: a regular file (a FIFO would block, /dev/zero never end)
    of bounded size, UTF-8, parsed by ``parse_json``."""
    if not os.path.lexists(path):
        raise WorkbenchError(f"{path}: no such project file", "check the path")
    payload = read_bytes_capped(path, str(path), MAX_PROJECT_BYTES)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkbenchError(f"{path}: cannot be read (not UTF-8 text: {exc.reason})") from None
    return parse_json(text, str(path))


def parse_json(text: str, source: str) -> object:
    """JSON from an untrusted file: every malformed input is a ``SpecError`` naming it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            [f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"],
            source=source,
        ) from None
    except RecursionError:
        raise SpecError(["nested too deeply (more than ~1000 levels)"], source=source) from None
    except ValueError:  # an integer over Python's 4,300-digit conversion limit
        raise SpecError(["holds a number with more than 4,300 digits"], source=source) from None
    where = _bad_text(data)
    if where is not None:
        raise SpecError(
            [f"{where}: holds an invalid character (a lone UTF-16 surrogate)"], source=source
        )
    return data


def _bad_text(data: object) -> str | None:
    """The path of the first string (key or value) that cannot be written as UTF-8."""
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, node = stack.pop()
        items: list[tuple[str, object, object]] = []
        if isinstance(node, dict):
            items = [(f"{path}.{k}" if path else str(k), k, v) for k, v in node.items()]
        elif isinstance(node, list):
            items = [(f"{path}[{i}]", None, v) for i, v in enumerate(node)]
        elif isinstance(node, str) and not _utf8(node):
            return path or "the file"
        for where, key, value in items:
            if isinstance(key, str) and not _utf8(key):
                return path or "the file"
            stack.append((where, value))
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def project_to_json(spec: ProjectSpec) -> str:
    return json.dumps(spec.to_dict(), indent=2, ensure_ascii=False) + "\n"


def atomic_write_bytes(path: str | os.PathLike[str], payload: bytes) -> None:
    """Write via a temp file in the same folder, fsync, then ``os.replace``: never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp makes the file 0600: keep the permissions the file had (a shared
            # project stays readable by the group), or give a new one the usual 0666 - umask.
            os.chmod(tmp, _mode_for(path))
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system tells (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def save_project(spec: ProjectSpec, path: str | os.PathLike[str], check: bool = True) -> None:
    """Write ``spec`` as JSON; ``check=False`` saves a spec with problems (an editor's work in
    progress: the file opens again with them flagged)."""
    problems = spec.problems() if check else []
    if problems:
        raise SpecError(problems, source=str(path))
    atomic_write_bytes(path, project_to_json(spec).encode("utf-8"))
