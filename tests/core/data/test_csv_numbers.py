"""Real-format CSV files that used to load as wrong numbers without a word."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.data import inspect_data, load_data
from workbench.core.data.csv import read_table
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec, SplitSpec

NO_SPLIT = SplitSpec(val_fraction=0.0, test_fraction=0.0)


def _table(tmp_path, text: str, name: str = "f.csv", **options):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return read_table(path, DataSpec(source=str(path), **options), name)


def test_european_export_with_thousands_dots_and_decimal_commas(tmp_path):
    text = "Datum;Umsatz;Kurs\n2020-01;1.234,5;4,7185\n2020-02;987,25;4,7\n2020-03;12.001,0;5,01\n"
    for options in ({}, {"decimal": ","}, {"decimal": ",", "thousands": "."}):
        table = _table(tmp_path, text, **options)
        assert table.columns["Umsatz"].tolist() == [1234.5, 987.25, 12001.0], options
        assert np.allclose(table.columns["Kurs"], [4.7185, 4.7, 5.01])


def test_thousands_dots_alone_in_a_decimal_comma_file(tmp_path):
    # "1.234" has no decimal part: the file's commas say '.' groups thousands.
    text = "a;b\n1.234;0,5\n999;0,25\n2.000.000;1,5\n"
    table = _table(tmp_path, text)
    assert table.columns["a"].tolist() == [1234.0, 999.0, 2_000_000.0]
    # Without grouping, '1.234' is no number in a decimal-comma file (never 1.234).
    assert not _table(tmp_path, text, thousands="none").is_numeric("a")


def test_quoted_us_thousands_are_numbers_not_text(tmp_path):
    text = (
        'date,sales,units\n2020-01-01,"1,234.5",3\n2020-01-02,"987.0",4\n2020-01-03,"12,001.25",5\n'
    )
    table = _table(tmp_path, text)
    assert table.is_numeric("sales")
    assert table.columns["sales"].tolist() == [1234.5, 987.0, 12001.25]


def test_space_grouped_thousands(tmp_path):
    text = "x;y\n1 234,5;1\n2 000;2\n17;3\n"
    assert _table(tmp_path, text).columns["x"].tolist() == [1234.5, 2000.0, 17.0]


def test_an_ambiguous_column_is_an_error_naming_both_readings(tmp_path):
    text = "a;b\n1.234;5\n2.468;6\n3.702;7\n"
    with pytest.raises(DataError) as info:
        _table(tmp_path, text)
    message = str(info.value)
    for fragment in ("column 'a'", "'1.234'", "1.234 with '.' as the decimal mark", "1234 with"):
        assert fragment in message, message
    # Either option settles it.
    assert _table(tmp_path, text, decimal=".").columns["a"].tolist() == pytest.approx(
        [1.234, 2.468, 3.702]
    )
    assert _table(tmp_path, text, thousands=".").columns["a"].tolist() == [1234, 2468, 3702]
    assert _table(tmp_path, text, thousands="none").columns["a"].tolist() == pytest.approx(
        [1.234, 2.468, 3.702]
    )


def test_a_decimal_elsewhere_in_the_file_settles_the_column(tmp_path):
    text = "a;b\n1.234;0.5\n2.468;6\n"
    assert _table(tmp_path, text).columns["a"].tolist() == pytest.approx([1.234, 2.468])


def test_thousands_option_through_a_whole_load(tmp_path):
    path = tmp_path / "sales.csv"
    rows = ["when;v"] + [
        f"{2000 + i // 12}-{i % 12 + 1:02d};{1000 + i * 7:,}".replace(",", ".") for i in range(40)
    ]
    path.write_text("\n".join(rows) + "\n")
    d = load_data(
        DataSpec(
            source=str(path),
            task="forecasting",
            window=3,
            normalization="none",
            decimal=",",
            split=NO_SPLIT,
        )
    )
    assert d.train.x[0, :, 0].tolist() == [1000.0, 1007.0, 1014.0]


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e400", "1e39", "-Infinity"])
def test_infinite_and_float32_overflow_are_refused_with_line_and_column(tmp_path, cell):
    rows = ["t,a,b"] + [f"{i},{i},{i * 2}" for i in range(30)]
    rows[17] = f"16,16,{cell}"
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=rf"big\.csv: line 18, column 'b': '{cell}' is"):
        inspect_data(DataSpec(source=str(path), task="forecasting", window=3))


@pytest.mark.slow
def test_overflow_in_a_large_file_is_refused_too(tmp_path):
    rows = ["a,b"] + [f"{i},{i * 0.25}" for i in range(90000)]
    rows[70001] = "70000,1e39"
    path = tmp_path / "large.csv"
    path.write_text("\n".join(rows) + "\n")
    assert path.stat().st_size > 1 << 20
    with pytest.raises(DataError, match=r"line 70002, column 'b': '1e39' is too large for float32"):
        inspect_data(DataSpec(source=str(path), task="forecasting", window=3))


def test_short_row_is_refused_not_padded_with_missing(tmp_path):
    text = "a,b,c\n1,2,3\n4,5\n7,8,9\n"
    with pytest.raises(DataError, match=r"line 3 has 2 fields, expected 3"):
        _table(tmp_path, text)
    text = "a,b,c\n1,2,3\n\n4,5,6,7\n"
    with pytest.raises(DataError, match=r"line 4 has 4 fields, expected 3"):
        _table(tmp_path, text)


def test_a_very_wide_file_is_not_only_a_header(tmp_path):
    n = 6000
    header = ",".join(f"sensor_{i:05d}" for i in range(n))
    rows = [",".join(f"{(r * n + i) % 97}.25" for i in range(n)) for r in range(3)]
    table = _table(tmp_path, "\n".join([header, *rows]) + "\n", name="wide.csv")
    assert table.n_rows == 3 and len(table.names) == n
    assert table.columns["sensor_05999"].tolist() == [
        float((r * n + n - 1) % 97) + 0.25 for r in range(3)
    ]


def test_preview_shows_parsed_values_beside_raw_cells(tmp_path):
    table = _table(tmp_path, "a;b\n1.234,5;x\n2,5;y\n")
    assert table.preview.rows[0] == ["1.234,5", "x"]
    assert table.preview.parsed[0] == [1234.5, None]


def test_columns_with_different_decimal_marks_are_an_error(tmp_path):
    with pytest.raises(
        DataError,
        match=r"columns 'a' and 'b' use different decimal marks \('1\.000,5' and '4\.7185'\)",
    ):
        _table(tmp_path, "a;b\n1.000,5;4.7185\n2.000,5;4.7\n")


def test_a_decimal_point_is_never_taken_for_thousands(tmp_path):
    # decimal ',' forced: '.' groups thousands in 'a', so '4.7185' in 'b' would become 47185
    with pytest.raises(DataError, match=r"column 'b': '4\.7185' uses '\.' as a decimal mark"):
        _table(tmp_path, "a;b\n1.000,5;4.7185\n2.000,5;4.7\n", decimal=",")


@pytest.mark.parametrize("lead", ["", "\n\n"])
def test_repeated_header_names_are_numbered_and_the_data_kept(tmp_path, lead):
    """Repeated names: the header is skipped as line 0 instead of numbered by pandas
    (quadratic: 20,000 equal names took minutes); after blank lines pandas reads it."""
    n = 3000
    header = ",".join(["a"] * (n - 1) + ["b"])
    rows = [",".join(str(r * n + i) for i in range(n)) for r in range(3)]
    table = _table(tmp_path, lead + "\n".join([header, *rows]) + "\n")
    assert table.dialect.skip_header_line == (lead == "")
    assert table.names[:3] == ["a", "a_2", "a_3"] and table.names[-1] == "b"
    assert table.n_rows == 3
    assert table.columns["a_2"].tolist() == [1.0, n + 1.0, 2 * n + 1.0]
    assert table.columns["b"].tolist() == [n - 1.0, 2 * n - 1.0, 3 * n - 1.0]
