"""``pooling: last`` on a bidirectional layer: h_n (the new path) vs unpack + gather, side by side.

    python benchmarks/bidir_pooling.py [--batch 64] [--steps 29] [--hidden 64] [--repeats 5] [--threads 1]

Both paths run the same packed, variable-length bidirectional LSTM (training step: forward +
backward) in one process, alternating so machine load hits both. "h_n" is what the model does
now (``RecurrentBlock.final``: no ``pad_packed_sequence``, no gather); "unpack" pads the packed
output back to [B, T, 2H] and reads each direction from it (the same numbers). The best time
of the repeats is compared.
"""

from __future__ import annotations

import argparse
import time

import torch

from workbench.core.models import build_model
from workbench.core.models.builder import pool
from workbench.core.spec.layers import LSTMSpec
from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=29)
    ap.add_argument("--features", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    spec = ModelSpec(
        input=InputSpec(n_features=args.features),
        layers=[LSTMSpec(hidden_size=args.hidden, bidirectional=True)],
        head=HeadSpec(kind="sequence", pooling="last", output_size=9),
    )
    model = build_model(spec)
    x = torch.randn(args.batch, args.steps, args.features)
    lengths = torch.randint(max(1, args.steps // 4), args.steps + 1, (args.batch,))

    def h_n() -> torch.Tensor:
        return model.head(model.final_states(x, lengths))

    def unpack() -> torch.Tensor:
        features, _ = model.body(x, lengths)
        return model.head(pool(features, lengths, "last", model.backward_from))

    torch.testing.assert_close(h_n(), unpack())
    best = {"h_n": float("inf"), "unpack": float("inf")}
    for _ in range(args.repeats):
        for name, fn in (("h_n", h_n), ("unpack", unpack)):
            t0 = time.perf_counter()
            for _ in range(args.iters):
                model.zero_grad(set_to_none=True)
                fn().sum().backward()
            best[name] = min(best[name], (time.perf_counter() - t0) / args.iters)
    for name, seconds in best.items():
        print(f"{name:<7} {seconds * 1e3:8.3f} ms per training step")
    print(f"unpack / h_n: {best['unpack'] / best['h_n']:.3f}x")


if __name__ == "__main__":
    main()
