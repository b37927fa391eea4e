"""Optimizers, LR schedules and gradient clipping."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.core.spec.project import ClipSpec, OptimizerSpec, ScheduleSpec
from workbench.core.training.optim import GradientClipper, LRSchedule, build_optimizer


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("sgd", torch.optim.SGD),
        ("adam", torch.optim.Adam),
        ("adamw", torch.optim.AdamW),
        ("rmsprop", torch.optim.RMSprop),
    ],
)
def test_optimizers(name, cls):
    spec = OptimizerSpec(
        name=name, lr=0.05, weight_decay=0.01, momentum=0.5 if name != "adam" else 0.0
    )
    opt = build_optimizer(spec, torch.nn.Linear(2, 2).parameters())
    assert isinstance(opt, cls)
    group = opt.param_groups[0]
    assert group["lr"] == 0.05 and group["weight_decay"] == 0.01


def test_nesterov_sgd():
    spec = OptimizerSpec(name="sgd", momentum=0.9, nesterov=True)
    opt = build_optimizer(spec, torch.nn.Linear(2, 2).parameters())
    assert opt.param_groups[0]["nesterov"] is True


def test_step_and_cosine_schedules():
    step = LRSchedule(ScheduleSpec(kind="step", step_size=2, gamma=0.5), 1.0, 100)
    assert [step.at(0, e) for e in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    cos = LRSchedule(ScheduleSpec(kind="cosine", min_lr=0.1), 1.0, 10)
    assert cos.at(0, 0) == pytest.approx(1.0)
    assert cos.at(5, 0) == pytest.approx(0.55)
    assert cos.at(10, 0) == pytest.approx(0.1)


def test_onecycle_rises_to_the_peak_then_falls():
    one = LRSchedule(ScheduleSpec(kind="onecycle"), 0.01, 100)
    lrs = [one.at(s, 0) for s in range(101)]
    peak = max(lrs)
    assert peak == pytest.approx(0.1) and lrs.index(peak) == 30
    assert lrs[0] == pytest.approx(0.01) and lrs[-1] == pytest.approx(1e-5)


def test_plateau_lowers_after_patience_and_respects_min_lr():
    plateau = LRSchedule(ScheduleSpec(kind="plateau", patience=1, gamma=0.1, min_lr=0.002), 0.1, 10)
    lowered = [plateau.epoch_end(v) for v in (1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95)]
    assert lowered == [False, False, False, True, False, True, False]
    assert plateau.at(0, 0) == pytest.approx(0.002)  # 0.1 * 0.01 is below min_lr


def test_lr_set_by_hand_rescales_the_schedule_and_survives_state_dict():
    cos = LRSchedule(ScheduleSpec(kind="cosine"), 1.0, 10)
    cos.set_by_hand(0.2, 5, 0)  # scheduled 0.5 there
    assert cos.at(5, 0) == pytest.approx(0.2)
    assert cos.at(0, 0) == pytest.approx(0.4)
    other = LRSchedule(ScheduleSpec(kind="cosine"), 1.0, 10)
    other.load_state_dict(cos.state_dict())
    assert other.at(7, 0) == pytest.approx(cos.at(7, 0))


def _grads(values):
    params = [torch.nn.Parameter(torch.zeros(len(v))) for v in values]
    for p, v in zip(params, values):
        p.grad = torch.tensor(v, dtype=torch.float32)
    return params


def test_clip_by_norm_reports_the_pre_clip_norm():
    params = _grads([[3.0, 0.0], [0.0, 4.0]])
    norm = GradientClipper(ClipSpec(mode="norm", max_value=1.0), params)(measure=False)
    assert float(norm) == pytest.approx(5.0)
    total = math.sqrt(sum(float((p.grad**2).sum()) for p in params))
    assert total == pytest.approx(1.0, rel=1e-4)


def test_clip_by_value_and_measure_without_clipping():
    params = _grads([[3.0, -0.5], [-4.0, 0.2]])
    norm = GradientClipper(ClipSpec(mode="value", max_value=1.0), params)(measure=False)
    assert float(norm) == pytest.approx(math.sqrt(9 + 0.25 + 16 + 0.04), rel=1e-5)
    assert params[0].grad.tolist() == [1.0, -0.5] and params[1].grad.tolist() == pytest.approx(
        [-1.0, 0.2]
    )
    off = GradientClipper(ClipSpec(mode="none"), params)
    assert off(measure=False) is None
    assert float(off(measure=True)) == pytest.approx(math.sqrt(1 + 0.25 + 1 + 0.04), rel=1e-5)
