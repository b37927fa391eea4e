"""Peak memory of a text language model's data, as a multiple of the file size (target ≤ 4×).

    python benchmarks/text_memory.py [--mb 20 100] [--levels char word] [--dir /tmp]

Writes a file of MB megabytes of real text (the shipped Shakespeare plays, repeated) and loads
it once per (level, path) in a fresh subprocess, after the imports and a warm-up load of the
shipped file:

- ``train``: ``load_data`` — what training (and ``workbench evaluate`` on a split) holds;
- ``predict``: reading a new file as ``workbench predict`` does (``serving.inputs._text``).

Two measurements per case: the peak of traced allocations (tracemalloc: Python objects and
NumPy buffers; the token tensors are ``torch.from_numpy`` views of those) and the growth of the
peak resident set (``VmHWM``, reset with ``/proc/self/clear_refs`` just before the load; Linux).
Each is printed as a ratio to the file size. The first version needed ~47× for characters.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAKESPEARE = ROOT / "resources" / "data" / "shakespeare.txt"

CHILD = r"""
import json, sys, time, tracemalloc
from pathlib import Path
from types import SimpleNamespace

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0

import torch  # noqa: F401  (imported before measuring)
from workbench.core.data import load_data
from workbench.core.data.text import read_text
from workbench.core.serving.inputs import _text
from workbench.core.spec.project import DataSpec

path, level, kind, warm = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
spec = DataSpec(source=str(path), task="language_model", text_level=level)
warm_data = load_data(DataSpec(source=warm, task="language_model", text_level=level))
if kind == "train":
    def load():
        return load_data(spec)
else:
    run = SimpleNamespace(pre=SimpleNamespace(vocab=warm_data.vocab, text_level=level))
    def load():
        return _text(run, read_text(path, str(path)).text, str(path))
_text(SimpleNamespace(pre=SimpleNamespace(vocab=warm_data.vocab, text_level=level)), "warm up", "w")
try:
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    rss0 = status("VmRSS")
except OSError:
    rss0 = None
mode = sys.argv[5]
if mode == "tracemalloc":
    tracemalloc.start()
t = time.perf_counter()
out = load()
seconds = time.perf_counter() - t
result = {"seconds": seconds}
if mode == "tracemalloc":
    result["traced_peak"] = tracemalloc.get_traced_memory()[1]
elif rss0 is not None:
    result["rss_peak_growth"] = status("VmHWM") - rss0
print(json.dumps(result))
"""


def measure(path: Path, level: str, kind: str, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), level, kind, str(SHAKESPEARE), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="+", default=[20, 100])
    ap.add_argument("--levels", nargs="+", default=["char", "word"])
    ap.add_argument("--dir", default=None, help="folder for the generated text file")
    args = ap.parse_args()
    src = SHAKESPEARE.read_bytes()
    print(
        f"{'size':>8} {'level':>5} {'path':>8} {'traced peak':>12} {'RSS peak':>9} {'seconds':>8}"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for mb in args.mb:
            size = int(mb * 1_000_000)
            path = Path(tmp) / f"text-{mb:g}mb.txt"
            path.write_bytes((src * (size // len(src) + 1))[:size])
            for level in args.levels:
                for kind in ("train", "predict"):
                    traced = measure(path, level, kind, "tracemalloc")
                    rss = measure(path, level, kind, "rss")
                    growth = rss.get("rss_peak_growth")
                    print(
                        f"{mb:>6g}MB {level:>5} {kind:>8} {traced['traced_peak'] / size:>11.2f}x "
                        f"{'n/a' if growth is None else f'{growth / size:.2f}x':>9} "
                        f"{rss['seconds']:>8.2f}",
                        flush=True,
                    )
            path.unlink()


if __name__ == "__main__":
    main()
