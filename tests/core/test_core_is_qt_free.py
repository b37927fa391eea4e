"""workbench.core must import with Qt and pyqtgraph unavailable (DESIGN.md)."""

import subprocess
import sys
import textwrap
from pathlib import Path

import workbench.core


def test_every_core_module_imports_without_qt():
    core = Path(workbench.core.__file__).parent
    modules = sorted(
        "workbench.core."
        + ".".join(p.relative_to(core).with_suffix("").parts).removesuffix(".__init__")
        for p in core.rglob("*.py")
    )
    script = textwrap.dedent(
        f"""
        import importlib, importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph") or name.startswith("workbench.gui"):
                    raise ImportError(f"core imported {{name}}")
                return None

        sys.meta_path.insert(0, Block())
        for name in {modules!r}:
            importlib.import_module(name.rstrip("."))
        print("ok", len({modules!r}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
