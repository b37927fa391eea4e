"""Time columns: files sorted newest-first are put in time order, duplicates refused."""

from __future__ import annotations

import pytest

from workbench.core.data import inspect_data, load_data
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec, SplitSpec

NO_SPLIT = SplitSpec(val_fraction=0.0, test_fraction=0.0)


def _series(tmp_path, times: list[str], name: str = "s.csv", **options):
    rows = ["when,value"] + [f"{t},{i}" for i, t in enumerate(times)]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    spec = DataSpec(
        source=str(path),
        task="forecasting",
        window=2,
        normalization="none",
        split=NO_SPLIT,
        **options,
    )
    return spec


def _first_window(spec) -> list[float]:
    return load_data(spec).train.x[0, :, 0].tolist()


def test_monthly_file_newest_first_is_sorted_with_a_note(tmp_path):
    months = [f"{1949 + k // 12}-{k % 12 + 1:02d}" for k in range(36)][::-1]
    spec = _series(tmp_path, months)
    # value i sits on line i + 2; the oldest month (value 35) comes first after sorting
    assert _first_window(spec) == [35.0, 34.0]
    notes = inspect_data(spec).notes
    assert any("sorted by time column 'when'" in n and "newest first" in n for n in notes)
    assert not any("irregular" in n for n in notes)  # months are regular, whatever their days


def test_us_dates_newest_first(tmp_path):
    days = [f"01/{d:02d}/1949" for d in range(1, 29)][::-1]
    assert _first_window(_series(tmp_path, days)) == [27.0, 26.0]


def test_iso_times_out_of_order_and_epoch_seconds(tmp_path):
    hours = [f"2021-03-04T{h:02d}:00:00" for h in (2, 0, 1, 3, 4, 5, 6, 7)]
    spec = _series(tmp_path, hours)
    assert _first_window(spec) == [1.0, 2.0]
    assert any("not in time order" in n for n in inspect_data(spec).notes)
    epoch = [str(1_600_000_000 + 60 * k) for k in range(10)][::-1]
    spec = _series(tmp_path, epoch, name="e.csv", time_column="when")
    assert _first_window(spec) == [9.0, 8.0]
    assert any("epoch seconds" in n for n in inspect_data(spec).notes)


def test_duplicate_timestamps_name_both_lines(tmp_path):
    days = [f"2020-01-{d:02d}" for d in range(1, 21)]
    days[12] = days[5]
    with pytest.raises(DataError, match=r"lines 7 and 14 have the same time '2020-01-06'"):
        inspect_data(_series(tmp_path, days))


def test_irregular_spacing_is_noted(tmp_path):
    days = [f"2020-01-{d:02d}" for d in range(1, 21) if d not in (7, 8, 15)]
    notes = inspect_data(_series(tmp_path, days)).notes
    assert any("irregular: mostly 1 day, but 2 of 16 differ" in n for n in notes), notes


def test_day_month_ambiguity_with_different_orders_is_an_error(tmp_path):
    days = ["01/02/2020", "02/01/2020", "03/01/2020", "04/01/2020"]
    with pytest.raises(DataError, match="month/day/year and as day/month/year"):
        inspect_data(_series(tmp_path, days))


def test_explicit_time_column_that_is_not_time(tmp_path):
    with pytest.raises(DataError, match=r"line 2, time column 'when': 'mon' is neither"):
        inspect_data(_series(tmp_path, ["mon", "tue", "wed", "thu"], time_column="when"))


def test_long_csv_orders_by_parsed_dates_and_refuses_duplicates(tmp_path):
    text = (
        "id,when,v,label\na,03/01/2020,3,x\na,12/31/2019,1,x\na,01/15/2020,2,x\nb,01/01/2020,5,y\n"
    )
    path = tmp_path / "l.csv"
    path.write_text(text)
    spec = DataSpec(
        source=str(path),
        id_column="id",
        time_column="when",
        target_columns=["label"],
        normalization="none",
        split=SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0),
    )
    d = load_data(spec)
    assert d.train.x[0, :3, 0].tolist() == [
        1.0,
        2.0,
        3.0,
    ]  # text order would be 01/15, 03/01, 12/31
    assert any("within each sequence" in n for n in d.summary.notes)
    path.write_text(text.replace("01/15/2020", "03/01/2020"))
    with pytest.raises(DataError, match=r"lines 2 and 4 have the same time '03/01/2020'"):
        load_data(spec)


def test_season_guess_sees_the_times_in_time_order(tmp_path):
    months = [f"{1949 + k // 12}-{k % 12 + 1:02d}" for k in range(48)][::-1]
    spec = _series(tmp_path, months, target_transforms=["seasonal_difference"])
    assert load_data(spec).series_targets.season == 12
