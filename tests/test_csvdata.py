import numpy as np
import pandas as pd
import pytest

from lstm_chainer import future_index, load_csv, split_series, time_step


def test_load_picks_numeric_columns_and_parses_time(tmp_path):
    path = tmp_path / 'd.csv'
    path.write_text('when,a,name,b\n2024-01-01,1,x,10\n2024-01-02,2,y,20\n'
                    '2024-01-03,3,z,30\n')
    data = load_csv(str(path), time_column='when')
    assert list(data.columns) == ['a', 'b']
    assert isinstance(data.index, pd.DatetimeIndex)
    assert data.index.name == 'when'
    assert data.dtypes.tolist() == [np.float64, np.float64]


def test_interpolate_fills_inside_and_at_the_edges(tmp_path):
    path = tmp_path / 'd.csv'
    path.write_text('a,b\n,1\n2,\n3,5\n4,7\n')
    data = load_csv(str(path), fill='interpolate')
    np.testing.assert_array_equal(data['a'], [2, 2, 3, 4])
    np.testing.assert_array_equal(data['b'], [1, 3, 5, 7])


def test_interpolate_in_time_weights_by_the_gaps(tmp_path):
    path = tmp_path / 'd.csv'
    path.write_text('t,a\n2024-01-01,0\n2024-01-02,\n2024-01-05,8\n')
    data = load_csv(str(path), time_column='t', fill='interpolate')
    assert data['a'].iloc[1] == pytest.approx(2.0)


def test_a_column_without_any_value(tmp_path):
    path = tmp_path / 'd.csv'
    path.write_text('a,b\n1,\n2,\n')
    with pytest.raises(ValueError, match="column\\(s\\) 'b' have no value"):
        load_csv(str(path), fill='interpolate')


def test_split_keeps_time_order():
    data = pd.DataFrame({'a': np.arange(10.0)})
    train, test = split_series(data, 0.3)
    assert list(train['a']) == list(range(7))
    assert list(test['a']) == [7, 8, 9]
    with pytest.raises(ValueError, match=r'test_size must be in \(0, 1\), got 0'):
        split_series(data, 0)


@pytest.mark.parametrize('index,expected', [
    (pd.date_range('2024-01-01', periods=5, freq='h'), 'h'),
    (pd.date_range('2024-01-31', periods=5, freq='ME'), 'ME'),
    (pd.DatetimeIndex(['2024-01-01', '2024-01-02', '2024-01-04',
                       '2024-01-05', '2024-01-06']), '24h'),  # a gap: median
    (pd.RangeIndex(5), None),
])
def test_time_step(index, expected):
    assert time_step(index) == expected


def test_future_index():
    days = pd.date_range('2024-01-01', periods=3, freq='D', name='t')
    future = future_index(days, 2)
    assert list(future) == [pd.Timestamp('2024-01-04'),
                            pd.Timestamp('2024-01-05')]
    assert future.name == 't'
    assert list(future_index(pd.RangeIndex(10, 20, 2), 3)) == [20, 22, 24]
    assert list(future_index(pd.Index([5, 9, 11]), 2)) == [3, 4]


def test_gzip_decimal_commas_and_quarters(tmp_path):
    import gzip
    text = 'quarter;sales;price\n1970 Q1;12,5;1,25\n1970 Q2;13,0;1,5\n' \
        '1970 Q3;14,25;1,75\n1970 Q4;15,0;2,0\n1971 Q1;16,5;2,25\n'
    path = tmp_path / 'export.csv.gz'
    with gzip.open(path, 'wt') as f:
        f.write(text)
    data = load_csv(str(path), time_column='quarter')
    assert data['sales'].tolist() == [12.5, 13.0, 14.25, 15.0, 16.5]
    assert list(data.index.month) == [1, 4, 7, 10, 1]
    assert time_step(data.index).startswith('QS')
    assert any('decimal comma' in note for note in data.attrs['notes'])
    plain = tmp_path / 'dashed.csv'
    plain.write_text('q,y\n2001-Q3,1\n2001-Q4,2\n2002-Q1,3\n')
    assert list(load_csv(str(plain), time_column='q').index.year) == [
        2001, 2001, 2002]
    # Points and commas both: not a decimal comma.
    mixed = tmp_path / 'mixed.csv'
    mixed.write_text('a;b\n1,5;2.5\n2,5;3.5\n')
    assert list(load_csv(str(mixed)).columns) == ['b']  # 'a' is text
    assert load_csv(str(mixed), decimal=',', columns=['a'])['a'].tolist() \
        == [1.5, 2.5]


@pytest.mark.parametrize('freq,drop', [('MS', [5, 6, 7]), ('30min', [10])])
def test_a_regular_step_with_missing_rows(tmp_path, freq, drop):
    times = pd.date_range('2005-01-01', periods=60, freq=freq)
    frame = pd.DataFrame({'date': times, 'y': np.arange(60.0)})
    path = tmp_path / 'gaps.csv'
    frame.drop(index=drop).to_csv(path, index=False)
    with pytest.raises(ValueError, match='has a step of {} with {} missing '
                       r'row\(s\), the first {}.*--fill interpolate'.format(
                           freq, len(drop), times[drop[0]])):
        load_csv(str(path), time_column='date')
    data = load_csv(str(path), time_column='date', fill='interpolate')
    assert len(data) == 60 and time_step(data.index) == freq
    np.testing.assert_allclose(data['y'], np.arange(60.0), atol=0.2)
    assert any('inserted {} missing row'.format(len(drop)) in n
               for n in data.attrs['notes'])
    # Without a time column the rows are taken as consecutive.
    assert len(load_csv(str(path))) == 60 - len(drop)


def test_an_infinite_cell_is_called_infinite(tmp_path):
    path = tmp_path / 'inf.csv'
    path.write_text('a,b\n1,2\n2,inf\n3,4\n')
    with pytest.raises(ValueError, match=r"row 3 column 'b' is infinite"):
        load_csv(str(path))
    with pytest.raises(ValueError, match='is infinite'):
        load_csv(str(path), fill='interpolate')
