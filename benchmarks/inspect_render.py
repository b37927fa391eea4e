"""GUI-thread cost of one Inspect update (snapshot in, current tab redrawn), per view.

    python benchmarks/inspect_render.py

Uses a real snapshot of a char-LM-sized model (LSTM 256 × 2 layers, 4 probe chunks of 128
tokens). Prints the median and max time per update for each tab; compare against the 33 ms
drain tick of the training panel (one update per tick at most) and the 10 ms heartbeat budget.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    import torch
    from PySide6.QtWidgets import QApplication

    from workbench.core.inspection.events import InspectContext
    from workbench.core.inspection.probe import Probe
    from workbench.core.models import build_model
    from workbench.core.spec.layers import LSTMSpec
    from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec
    from workbench.gui.panels.inspect import TABS, InspectPanel

    app = QApplication.instance() or QApplication([])
    vocab = [chr(32 + i) for i in range(73)]
    torch.manual_seed(0)
    model = build_model(
        ModelSpec(
            input=InputSpec(kind="tokens", vocab_size=73, embedding_dim=64),
            layers=[LSTMSpec(hidden_size=256, num_layers=2)],
            head=HeadSpec(kind="per_step", output_size=73),
        )
    )
    x = torch.randint(0, 73, (4, 128))
    probe = Probe(x, x, None, task="language_model")
    snaps = [probe.snapshot(model, step=i + 1, epoch=1 + i // 10) for i in range(5)]
    flow = probe.snapshot(model, step=6, epoch=1, with_grad_flow=True)
    panel = InspectPanel()
    panel.resize(1280, 760)
    panel.show()
    ctx = InspectContext("language_model", vocab, "", None, [], [], "val")
    panel.on_probe(ctx)
    panel.on_probe(flow)
    app.processEvents()
    print(f"{'view':<15} {'median ms':>10} {'max ms':>8}  (update + paint, 40 updates)")
    for i, tab in enumerate(TABS[:4]):
        panel.tabs.setCurrentIndex(i)
        app.processEvents()
        times = []
        for k in range(40):
            t0 = time.perf_counter()
            panel.on_probe(snaps[k % len(snaps)])
            panel.render()  # what the coalescing timer runs once per drain tick
            panel.repaint()  # the paint the event loop would do next
            times.append(1000 * (time.perf_counter() - t0))
        print(f"{tab:<15} {statistics.median(times):>10.1f} {max(times):>8.1f}")
    panel.close()


if __name__ == "__main__":
    main()
