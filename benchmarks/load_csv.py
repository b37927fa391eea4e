"""Wide-CSV load speed and peak memory: the workbench's loader beside pandas / numpy / pyarrow.

    python benchmarks/load_csv.py [--rows 10000000] [--dir /tmp]

Writes a CSV of ROWS x 4 numeric columns (header ``a,b,c,d``; 1 M distinct random rows repeated,
which parses exactly like 10 M distinct ones) to a temp folder, then loads it once per parser,
each in a fresh subprocess so peak memory (VmHWM) is that parser's alone. Prints seconds, the
ratio to ``pandas.read_csv`` alone measured in the same run (target: workbench read <= 1.5x),
and peak parse memory against the size of the float32 result (ROWS x 4 x 4 bytes; target
<= 2x).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) * 1024
    return 0
import numpy as np
name, path = sys.argv[1], sys.argv[2]
if name == "workbench load_data":
    import torch  # noqa: F401  (imported before the clock starts)
    import pandas  # noqa: F401
    from workbench.core.data import load_data
    from workbench.core.spec.project import DataSpec
    def load():
        data = load_data(DataSpec(source=path, task="forecasting", window=24))
        assert not data.train.x.is_contiguous()  # windows are views of the series
        return data.summary.series
elif name == "workbench read":
    import pandas  # noqa: F401  (imported before the clock starts, as for "pandas")
    from workbench.core.data.csv.wide import read_wide_csv
    from workbench.core.spec.project import DataSpec
    spec = DataSpec(source=path, task="forecasting")
    def load():
        return read_wide_csv(__import__("pathlib").Path(path), spec, path).values
elif name == "numpy.loadtxt":
    def load():
        return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
elif name == "pandas":
    import pandas as pd
    def load():
        return pd.read_csv(path, dtype=np.float32, engine="c").to_numpy()
elif name == "pyarrow":
    import pyarrow as pa, pyarrow.csv as pc
    def load():
        table = pc.read_csv(path, convert_options=pc.ConvertOptions(column_types={c: pa.float32() for c in "abcd"}))
        return np.stack([table.column(c).to_numpy() for c in "abcd"], axis=1)
base = hwm()
t = time.perf_counter()
out = load()
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak": hwm(), "base": base, "shape": list(out.shape),
                  "dtype": str(out.dtype), "checksum": float(np.asarray(out[:1000], np.float64).sum())}))
"""


def write_csv(path: Path, rows: int) -> None:
    import numpy as np

    unique = min(rows, 1_000_000)
    rng = np.random.default_rng(0)
    values = rng.normal(size=(unique, 4)) * np.array([1.0, 10.0, 100.0, 1000.0])
    import io

    buffer = io.StringIO()
    np.savetxt(buffer, values, delimiter=",", fmt="%.6g")
    block = buffer.getvalue().encode("ascii")
    with path.open("wb") as handle:
        handle.write(b"a,b,c,d\n")
        done = 0
        while done < rows:
            take = min(unique, rows - done)
            if take == unique:
                handle.write(block)
            else:  # a last partial block: cut at a line end
                cut = 0
                for _ in range(take):
                    cut = block.index(b"\n", cut) + 1
                handle.write(block[:cut])
            done += take


def available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--dir", default=None, help="where the temp CSV goes")
    ap.add_argument("--quick", action="store_true", help="only pandas and the workbench")
    args = ap.parse_args()
    parsers = ["pandas", "workbench read", "workbench load_data"]
    parsers += [p for p in ("numpy.loadtxt", "pyarrow") if available(p) and not args.quick]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "wide.csv"
        t = time.perf_counter()
        write_csv(path, args.rows)
        size = path.stat().st_size
        print(
            f"wrote {args.rows:,} rows x 4 columns, {size / 1e6:.0f} MB, in {time.perf_counter() - t:.1f} s"
        )
        result_bytes = args.rows * 4 * 4
        print(
            f"float32 result: {result_bytes / 1e6:.0f} MB; python {sys.version.split()[0]}, cores {os.cpu_count()}"
        )
        rows = []
        for name in parsers:
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, name, str(path)], capture_output=True, text=True
            )
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}")
                continue
            info = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append((name, info))
        baseline = next((i["seconds"] for n, i in rows if n == "pandas"), None)
        print(
            f"\n{'parser':<20}{'seconds':>9}{'vs pandas':>12}{'peak MB':>10}{'parse MB':>10}{'parse/result':>14}"
        )
        for name, info in rows:
            parse = info["peak"] - info["base"]
            ratio = f"{info['seconds'] / baseline:.2f}x" if baseline else "-"
            print(
                f"{name:<20}{info['seconds']:>9.2f}{ratio:>12}{info['peak'] / 1e6:>10.0f}"
                f"{parse / 1e6:>10.0f}{parse / result_bytes:>13.2f}x"
            )
        print(
            "\npeak MB: the process's high-water mark; parse MB: above the mark before parsing "
            "(imports excluded); 'workbench read' is the CSV reader (pandas plus sniffing and "
            "checks); 'workbench load_data' is the whole pipeline (parse, z-score "
            "fitted on train, chronological split, 24-step windows as views)."
        )


if __name__ == "__main__":
    main()
