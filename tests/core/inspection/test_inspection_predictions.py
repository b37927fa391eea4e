"""Prediction views: confusion matrix, forecasts in original units, language-model sampling."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from workbench.core.data import load_data
from workbench.core.inspection.predictions import (
    RegressionView,
    classification_view,
    confusion_matrix,
    forecast_view,
    per_class_accuracy,
    prediction_view,
)
from workbench.core.models import build_model
from workbench.core.models.sampling import encode, sample_ids, sample_text
from workbench.core.spec.layers import GRUSpec, LSTMSpec
from workbench.core.spec.project import DataSpec, HeadSpec, InputSpec, ModelSpec


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models: extra intra-op threads only spin against each other on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_confusion_matrix_and_per_class_accuracy():
    cm = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 4)
    assert cm.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    acc = per_class_accuracy(cm)
    assert acc[:3] == pytest.approx([0.5, 1.0, 2 / 3]) and np.isnan(acc[3])


def test_classification_view_on_real_split():
    torch.manual_seed(0)
    spec = ModelSpec(
        input=InputSpec(n_features=3), layers=[GRUSpec(hidden_size=4)], head=HeadSpec(output_size=3)
    )
    model = build_model(spec)
    split = SimpleNamespace(
        x=torch.randn(20, 5, 3), y=torch.randint(0, 3, (20,)), lengths=torch.randint(1, 6, (20,))
    )
    view = classification_view(model, split, ["a", "b", "c"])
    with torch.no_grad():
        pred = model(split.x, split.lengths)[0].argmax(-1)
    assert view.confusion.sum() == 20
    assert view.accuracy == pytest.approx(float((pred == split.y).float().mean()))
    assert view.confusion[:, 0].sum() == int((pred == 0).sum())


class _Persistence(nn.Module):
    """Predicts the last input value (one target, horizon 1): a rollout must stay flat."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))

    def forward(self, x, lengths=None, state=None):
        return x[:, -1, :1] * self.w, None


def test_forecast_one_step_and_rollout_in_original_units():
    data = load_data(DataSpec(source="builtin:sine", task="forecasting", builtin={"length": 600}))
    view = forecast_view(_Persistence(), data, max_steps=40)
    stats = data.normalization_stats["features"]
    last = data.val.x[:40, -1, 0].double().numpy() * stats["scale"][0] + stats["center"][0]
    np.testing.assert_allclose(view.one_step[:, 0], last, rtol=1e-5)
    # The real target of window k is the last input of window k+1 (consecutive windows).
    np.testing.assert_allclose(view.true[:-1, 0], last[1:], rtol=1e-5, atol=1e-5)
    # Autoregressive: persistence fed its own prediction never changes.
    np.testing.assert_allclose(view.rollout[:, 0], np.full(40, last[0]), rtol=1e-5)
    # A real model runs through the same path.
    torch.manual_seed(0)
    model = build_model(
        ModelSpec(
            input=InputSpec(n_features=1),
            layers=[LSTMSpec(hidden_size=4)],
            head=HeadSpec(output_size=1),
        )
    )
    real = forecast_view(model, data, max_steps=10)
    assert real.rollout.shape == (10, 1) and real.rollout[0, 0] == pytest.approx(
        real.one_step[0, 0]
    )


def _lm():
    torch.manual_seed(0)
    spec = ModelSpec(
        input=InputSpec(kind="tokens", vocab_size=6, embedding_dim=3),
        layers=[LSTMSpec(hidden_size=5)],
        head=HeadSpec(kind="per_step", output_size=6),
    )
    return build_model(spec)


def test_sampling_uses_the_state_and_the_temperature():
    model = _lm()
    greedy = sample_ids(model, [1, 2], 8, temperature=0)
    assert greedy == sample_ids(model, [1, 2], 8, temperature=0)
    # Greedy equals re-running the whole sequence each time (the carried state is right).
    seq = [1, 2]
    for _ in range(8):
        with torch.no_grad():
            seq.append(int(model(torch.tensor([seq]))[0][0, -1].argmax()))
    assert seq[2:] == greedy
    a = sample_ids(model, [1], 30, 1.0, torch.Generator().manual_seed(3))
    b = sample_ids(model, [1], 30, 1.0, torch.Generator().manual_seed(3))
    assert a == b and all(0 <= t < 6 for t in a)
    hot = sample_ids(model, [1], 200, 5.0, torch.Generator().manual_seed(3))
    cold = sample_ids(model, [1], 200, 0.05, torch.Generator().manual_seed(3))
    assert len(set(hot)) > len(set(cold))


def test_sample_text_round_trip():
    vocab = ["<unk>", "a", "b", " ", "c", "\n"]
    assert encode(vocab, "ab c?") == [1, 2, 3, 4, 0]
    data = SimpleNamespace(
        vocab=vocab, token_joiner="", decode=lambda ids: "".join(vocab[i] for i in ids)
    )
    text = sample_text(_lm(), data, "ab", n_tokens=12, temperature=0.8, seed=1)
    model = _lm()
    ids = sample_ids(model, [1, 2], 12, 0.8, torch.Generator().manual_seed(1), banned=[0])
    assert text == data.decode(ids)
    assert "<unk>" not in text  # special tokens are never drawn


def test_prediction_view_for_regression_is_in_original_units():
    data = load_data(
        DataSpec(
            source="builtin:adding", task="regression", builtin={"n_samples": 200, "length": 12}
        )
    )
    torch.manual_seed(0)
    model = build_model(
        ModelSpec(
            input=InputSpec(n_features=2),
            layers=[GRUSpec(hidden_size=4)],
            head=HeadSpec(output_size=1),
        )
    )
    view = prediction_view(model, data, limit=20)
    assert isinstance(view, RegressionView) and view.true.shape == view.predicted.shape == (20, 1)
    np.testing.assert_allclose(view.true, data.targets_to_original_units(data.val.y[:20]))
    assert view.true.min() >= 0.0 and view.true.max() <= 2.0  # sums of two values in [0, 1]
    with torch.no_grad():
        raw = model(data.val.x[:20])[0]
    np.testing.assert_allclose(view.predicted, data.targets_to_original_units(raw), rtol=1e-5)


def test_forecast_view_inverts_transforms_and_shows_the_baseline():
    spec = DataSpec(
        source="resource:airline-passengers.csv",
        task="forecasting",
        window=6,
        target_transforms=["difference"],
    )
    data = load_data(spec)
    view = forecast_view(_Persistence(), data, max_steps=15)
    series = data.series_targets.original[:, 0]
    pos = data.series_targets.positions["val"][:15]
    np.testing.assert_allclose(view.true[:, 0], series[pos], rtol=1e-6)
    # persistence of the *change*: next = last + (last - the one before), in passengers
    expected = series[pos - 1] + (series[pos - 1] - series[pos - 2])
    np.testing.assert_allclose(view.one_step[:, 0], expected, rtol=1e-5)
    # fed back, the same change repeats: a straight line from the first window
    first, step = series[pos[0] - 1], series[pos[0] - 1] - series[pos[0] - 2]
    np.testing.assert_allclose(view.rollout[:, 0], first + step * np.arange(1, 16), rtol=1e-5)
    # the baseline drawn beside it: seasonal naive, the value 12 months before
    np.testing.assert_allclose(view.baseline[:, 0], series[pos - 12])
    assert view.baseline_name == "seasonal naive (lag 12)"
