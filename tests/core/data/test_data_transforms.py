"""Target transforms: each inverse is exact, multi-step horizons rebuild correctly, the fitted
chain round-trips through JSON, and loaded windows turn back into the series' own values."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.data import load_data
from workbench.core.data.transforms import TargetTransform, guess_season
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec

CHAINS = [
    ["log"],
    ["difference"],
    ["seasonal_difference"],
    ["log", "difference"],
    ["log", "difference", "seasonal_difference"],
    ["seasonal_difference", "difference"],
    ["none", "difference"],
]


def _series(n: int = 96, width: int = 2) -> np.ndarray:
    t = np.arange(n)[:, None]
    rng = np.random.default_rng(0)
    return 100 + 2.0 * t + 20 * np.sin(2 * np.pi * t / 12) + rng.random((n, width)) * 5


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("horizon", [1, 5, 15])
def test_each_inverse_is_exact_for_multi_step_horizons(chain, horizon):
    series = _series()
    tf = TargetTransform.fit(chain, series[:60], season=12)
    z = tf.apply(series)
    assert np.isnan(z[: tf.history]).all() and np.isfinite(z[tf.history :]).all()
    starts = np.arange(max(tf.history, 1), len(series) - horizon)
    values = np.stack([z[s : s + horizon] for s in starts])  # [N, H, C]
    history = np.stack([series[s - tf.history : s] for s in starts])
    back = tf.invert(values, history)
    expected = np.stack([series[s : s + horizon] for s in starts])
    np.testing.assert_allclose(back, expected, rtol=1e-12, atol=1e-9)


def test_difference_by_hand():
    tf = TargetTransform.fit(["difference"], np.array([[1.0], [3.0]]), season=None)
    z = tf.apply(np.array([[1.0], [3.0], [6.0], [10.0]]))
    np.testing.assert_array_equal(z[1:, 0], [2.0, 3.0, 4.0])
    # a 2-step forecast of the changes [3, 4] after the value 3 is the path [6, 10]
    path = tf.invert(np.array([[[3.0], [4.0]]]), np.array([[[3.0]]]))
    np.testing.assert_array_equal(path[0, :, 0], [6.0, 10.0])


def test_state_round_trips_and_problems_are_clear():
    tf = TargetTransform.fit(["log", "seasonal_difference"], _series()[:50], season=7)
    assert TargetTransform.from_dict(tf.to_dict()) == tf
    assert tf.history == 7 and "lag 7" in tf.describe()
    with pytest.raises(DataError, match="above 0"):
        TargetTransform.fit(["log"], np.array([[1.0], [0.0]]), season=None)
    with pytest.raises(DataError, match="season"):
        TargetTransform.fit(["seasonal_difference"], _series()[:50], season=1)


def test_season_guessed_from_the_time_column():
    months = [f"19{49 + i // 12}-{i % 12 + 1:02d}" for i in range(30)]
    assert guess_season(months) == 12
    assert guess_season([f"2020-01-{d:02d}" for d in range(1, 20)]) == 7
    assert guess_season([f"2020-01-01 {h:02d}:00" for h in range(20)]) == 24
    assert guess_season(["a", "b", "c", "d"]) is None


def test_loaded_windows_turn_back_into_the_series():
    spec = DataSpec(
        source="resource:airline-passengers.csv",
        task="forecasting",
        window=12,
        horizon=3,
        target_transforms=["log", "difference", "seasonal_difference"],
    )
    d = load_data(spec)
    st = d.series_targets
    assert st.season == 12  # guessed from the monthly time column
    assert d.summary.split_sizes["test"] == 22 - 2  # every test month a first target (h = 3)
    for name in ("train", "val", "test"):
        pos = st.positions[name]
        expected = np.stack([st.original[pos + h, 0] for h in range(3)], axis=1)
        got = d.targets_to_original_units(d.split(name).y, name)
        np.testing.assert_allclose(got, expected, rtol=1e-5)
        # a slice of the split (start > 0) inverts against its own windows
        part = d.targets_to_original_units(d.split(name).y[4:9], name, start=4)
        np.testing.assert_allclose(part, expected[4:9], rtol=1e-5)
    # the model learns changes: the scaled training targets are centred, not a trend
    assert abs(float(d.train.y.mean())) < 0.2
