"""Collections of series: long tables, windows across series, per-series
preparation, the global model, its CLI."""
import json
import os

import chainer
import chainer.functions as F
import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main
from lstm_chainer.core import fused
from lstm_chainer.core.collection_iterator import (
    CollectionIterator,
    context_scale,
    gather_windows,
    window_origins,
)
from lstm_chainer.forecasting.models import global_model
from lstm_chainer.forecasting.models.global_model import backtest_collection
from lstm_chainer.forecasting.preprocessing.series_prep import fit_prep


def long_table(n_series=20, seed=0, shuffle_ids=True):
    """Monthly seasonal series of 30-70 rows, different starts, rows of
    the series interleaved (sorted by time)."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_series):
        n = int(rng.integers(30, 70))
        start = pd.Timestamp('2010-01-01') + pd.DateOffset(
            months=int(rng.integers(0, 24)))
        t = np.arange(n)
        y = (50 + 5 * i + 0.3 * t + 6 * np.sin(2 * np.pi * t / 12)
             + rng.normal(0, 1, n))
        parts.append(pd.DataFrame({
            'store': 'id{:02d}'.format(i),
            'month': pd.date_range(start, periods=n, freq='MS'),
            'sales': y}))
    frame = pd.concat(parts, ignore_index=True)
    if shuffle_ids:
        frame = frame.sort_values(['month', 'store'], kind='stable')
    return frame.reset_index(drop=True)


def test_from_long_keeps_each_series_in_order():
    frame = long_table()
    c = lc.from_long(frame, 'store', 'month')
    assert c.freq == 'MS' and c.columns == ['sales']
    assert list(c.ids) == list(pd.unique(frame['store']))
    assert c.lengths.sum() == len(frame)
    for i, name in enumerate(c.ids):
        rows = frame[frame['store'] == name]
        np.testing.assert_array_equal(c.series(i)[:, 0], rows['sales'])
        assert c.index_of(i).equals(pd.DatetimeIndex(rows['month'].values,
                                                     name='month'))
    back = c.to_frame()
    assert len(back) == len(frame) and set(back.columns) == {
        'store', 'month', 'sales'}
    head = c.head(5)
    np.testing.assert_array_equal(head.lengths, c.lengths - 5)
    np.testing.assert_array_equal(head.series(3), c.series(3)[:-5])
    picked = c.select([4, 1])
    assert list(picked.ids) == [c.ids[4], c.ids[1]]
    np.testing.assert_array_equal(picked.series(1), c.series(1))


@pytest.mark.parametrize('change, message', [
    (lambda f: f.drop(columns='store'), "no id column 'store'"),
    (lambda f: pd.concat([f, f.iloc[[3]]]), 'repeats'),
    (lambda f: f.iloc[::-1], 'goes backwards'),
    (lambda f: f.drop(index=f[f['store'] == 'id03'].index[5]),
     "series 'id03': 1 step\\(s\\) missing"),
])
def test_from_long_names_the_problem(change, message):
    frame = long_table()
    with pytest.raises(ValueError, match=message):
        lc.from_long(change(frame), 'store', 'month')


def test_from_long_refuses_other_frequencies_and_holes():
    frame = long_table()
    daily = pd.DataFrame({'store': 'daily', 'month': pd.date_range(
        '2012-01-01', periods=40, freq='D'), 'sales': 1.0})
    with pytest.raises(ValueError, match="series 'daily' is at another "
                       "frequency \\(D\\)"):
        lc.from_long(pd.concat([frame, daily]), 'store', 'month')
    frame.loc[7, 'sales'] = np.nan
    with pytest.raises(ValueError, match="series '{}': column 'sales' is "
                       "empty".format(frame.loc[7, 'store'])):
        lc.from_long(frame, 'store', 'month')


def test_from_long_reads_hourly_text_times_and_names_an_off_grid_one():
    hours = [str(t) for t in pd.date_range('2020-01-01', periods=10,
                                             freq='h')]
    frame = pd.DataFrame({'meter': ['a'] * 10 + ['b'] * 10,
                          'time': hours * 2, 'kwh': np.arange(20.0)})
    c = lc.from_long(frame, 'meter', 'time')
    assert c.freq == 'h' and list(c.lengths) == [10, 10]
    assert c.future_index(1, 1)[0] == pd.Timestamp('2020-01-01 10:00')
    frame.loc[3, 'time'] = '2020-01-01 03:30'
    with pytest.raises(ValueError, match="series 'a': time 2020-01-01 "
                       "03:30:00 is off the grid of step h \\(row 3\\)"):
        lc.from_long(frame, 'meter', 'time')


def test_windows_anchor_at_the_origin_and_pad_short_series():
    values = np.arange(20, dtype=np.float64)[:, None]
    offsets = np.array([0, 12, 20])  # 12 and 8 rows
    first, count = window_origins(np.diff(offsets), context=6, horizon=3)
    np.testing.assert_array_equal(first, [5, 4])
    np.testing.assert_array_equal(count, [4, 1])  # 5..8; the short one: 4
    windows, level = gather_windows(values, offsets, [0, 1], [5, 4], 6, 3)
    np.testing.assert_array_equal(level[:, 0], [5, 16])
    np.testing.assert_array_equal(windows[:, 0, 0], np.arange(-5, 4))
    # The short series: rows 0..7 of its own, the history before it padded
    # with its first value.
    np.testing.assert_array_equal(windows[:, 1, 0] + 16,
                                  [12, 12, 13, 14, 15, 16, 17, 18, 19])


def test_the_context_scale_reads_a_series_own_rows_only():
    # Squares: changes 1, 3, 5, ... grow along the series.
    values = (np.arange(20, dtype=np.float64) ** 2)[:, None]
    offsets = np.array([0, 12, 20])
    windows, _ = gather_windows(values, offsets, [0, 1], [5, 4], 6, 3)
    scale = context_scale(windows, np.array([5, 4]), 6, 0.5)
    # Series 0, rows 0..5: changes 1, 3, 5, 7, 9. Series 1 (rows 12..19)
    # from its row 0: the padded row before it adds no change of 0.
    np.testing.assert_allclose(scale[:, 0], [5.0, (25 + 27 + 29 + 31) / 4])
    flat = np.zeros((6, 1, 1))
    assert context_scale(flat, np.array([9]), 6, 0.5)[0, 0] == 0.5


def test_collection_iterator_draws_by_series_or_by_window():
    lengths = np.array([200, 20, 20, 20])
    values = np.zeros((lengths.sum(), 1))
    offsets = np.r_[0, np.cumsum(lengths)]
    shares = {}
    for sampling in ('series', 'windows'):
        it = CollectionIterator(values, offsets, 4000, 5, 3, sampling,
                                seed=0)
        series, origins = it.draw(4000)
        shares[sampling] = np.mean(series == 0)
        first, count = window_origins(lengths, 5, 3)
        assert (origins >= first[series]).all()
        assert (origins < first[series] + count[series]).all()
        xs, ts = it.next()
        assert xs.shape == ts.shape == (5 + 3 - 1, 4000, 1)
        assert xs.dtype == np.float32
    assert abs(shares['series'] - 0.25) < 0.03
    assert shares['windows'] > 0.8  # 193 of 232 windows are the long one's
    halves = [CollectionIterator(values, offsets, 100, 5, 3, shard=(r, 2))
              ._series for r in (0, 1)]
    assert set(halves[0]).isdisjoint(halves[1])


def test_series_prep_is_undone_exactly():
    frame = long_table()
    c = lc.from_long(frame, 'store', 'month')
    c.values[c.offsets[2]:c.offsets[3]] -= 200  # a series with negatives
    prep = fit_prep(c.values, c.offsets, 12, 'series')
    assert not prep.logged[2, 0] and prep.logged[0, 0]
    assert prep.seasonal.sum() >= len(c) // 2
    z = prep.transform(c.values, c.offsets)
    for i in range(len(c)):
        rows = z[c.offsets[i]:c.offsets[i + 1]]
        positions = np.arange(len(rows))[:, None]
        back = prep.inverse(rows[:, None, :], [i], positions)[:, 0]
        np.testing.assert_allclose(back, c.series(i), rtol=1e-12)
        assert abs(rows.mean()) < 1e-9  # standardised per series
    with pytest.raises(ValueError, match='normalise must be one of'):
        fit_prep(c.values, c.offsets, 12, 'level')


@pytest.mark.parametrize('rows', [100, 103])
def test_seasonal_indices_follow_the_latest_seasons(rows):
    # The pattern changes at row 40; the last six seasons (24 rows) have
    # the new one, whatever the series' length modulo its season.
    t = np.arange(rows)
    old, new = np.array([1.0, 1.3, 0.8, 0.9]), np.array([0.8, 1.0, 1.4, 0.8])
    y = 100 * np.where(t < 40, old[t % 4], new[t % 4])
    prep = fit_prep(y[:, None], np.array([0, rows]), 4, 'window')
    assert prep.seasonal[0]
    z = prep.transform(y[:, None], np.array([0, rows]))[:, 0]
    # Deseasonalised, the latest seasons are flat, the first ones not.
    assert np.ptp(z[-24:]) < 1e-9
    assert np.ptp(z[:40]) > 0.1


@pytest.mark.parametrize('absolute', [False, True])
def test_graph_free_loss_of_the_forecast_steps_matches_the_graph(absolute):
    model = lc.Model(1, 1, 8)
    rng = np.random.RandomState(0)
    xs = rng.randn(9, 5, 1).astype(np.float32)
    ts = rng.randn(9, 5, 1).astype(np.float32)
    loss, grads = fused.mse_gradients(model, xs, ts, 5, first=5,
                                      absolute=absolute)
    lossfun = F.mean_absolute_error if absolute else F.mean_squared_error
    ys = fused.fused_window(model, xs, 5)
    graph = sum(lossfun(ys[i], ts[i]) for i in range(5, 9))
    model.cleargrads()
    graph.backward()
    np.testing.assert_allclose(loss, graph.array, rtol=1e-5)
    for param, grad in zip(fused.model_parameters(model), grads):
        np.testing.assert_allclose(grad, param.grad, rtol=1e-4, atol=1e-6)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('global'))
    c = lc.from_long(long_table(), 'store', 'month')
    result = lc.fit_global(c, horizon=6, ensemble=2, epochs=None,
                           iterations=60, out=out, seed=3, batch_size=64)
    return c, result, out


def test_fit_global_validates_and_forecasts_every_series(trained):
    c, result, out = trained
    s = result.settings
    assert (s.season, s.horizon, s.ensemble) == (12, 6, 2)
    bt = result.backtest
    assert sorted(set(bt.ids)) == sorted(c.ids) and not bt.skipped
    np.testing.assert_allclose(bt.actual[:, 0, 0], c.series(
        list(c.ids).index(bt.ids[0]))[-6:, 0])
    summary = bt.summary()
    assert {'model', 'naive', 'seasonal_naive', 'theta'} <= set(
        summary.index)
    # Seasonal naive's validation score, by hand: the last 6 rows of each
    # series forecast by the rows a season before them.
    table = bt.table().set_index('id')
    for i, name in enumerate(c.ids):
        y = c.series(i)[:, 0]
        f = y[-18:-12]
        scale = np.abs(y[12:-6] - y[:-18]).mean()
        assert table.loc[name, 'seasonal_naive MASE'] == pytest.approx(
            np.abs(f - y[-6:]).mean() / scale)
        assert table.loc[name, 'seasonal_naive sMAPE'] == pytest.approx(
            100 * np.mean(2 * np.abs(f - y[-6:]) / (np.abs(f)
                                                    + np.abs(y[-6:]))))
    assert result.summary().startswith('summary: over 20 series')
    f = result.forecaster.forecast(c)
    assert f.shape == (6, len(c), 1) and np.isfinite(f).all()
    np.testing.assert_allclose(result.forecaster.network(c),
                               network_by_hand(result.forecaster, c),
                               rtol=1e-5)
    frame = result.forecaster.forecast_frame(c)
    assert len(frame) == 6 * len(c) and set(frame['store']) == set(c.ids)
    assert (frame['sales_lower_95'] <= frame['sales_lower_80']).all()
    assert (frame['sales_upper_80'] <= frame['sales_upper_95']).all()
    assert frame['month'].iloc[0] == c.future_index(0, 1)[0]
    table = pd.read_csv(os.path.join(out, 'series.csv'))
    assert len(table) == len(c)


def network_by_hand(forecaster, c):
    """The ensemble's forecast, step by step through Chainer's graph: each
    series prepared, its last ``context`` rows minus the last one, fed as
    truth and then the network's own outputs, the members' mean put back
    into data units."""
    import chainer
    s = forecaster.settings
    prep = fit_prep(c.values, c.offsets, s.season, s.normalise,
                    s.deseasonalise, s.log_transform)
    z = prep.transform(c.values, c.offsets) / forecaster.sigma
    out = np.empty((s.horizon, len(c), 1))
    for i in range(len(c)):
        rows = z[c.offsets[i]:c.offsets[i + 1]]
        window = rows[-s.context:] - rows[-1]
        members = []
        for model in forecaster.members:
            model.reset_state()
            steps = []
            with chainer.using_config('train', False), \
                    chainer.no_backprop_mode():
                for x in window:
                    y = model(x[None].astype(np.float32)).array
                for _ in range(s.horizon):
                    steps.append(float(y[0, 0]))
                    y = model(y).array
            members.append(steps)
        zhat = (np.mean(members, axis=0) + rows[-1, 0]) * forecaster.sigma
        positions = len(rows) + np.arange(s.horizon)
        out[:, i, 0] = prep.inverse(zhat[:, None, None],
                                    np.array([i]), positions[:, None])[:, 0,
                                                                       0]
    return out


def test_global_model_saves_loads_and_forecasts_new_series(trained):
    c, result, out = trained
    loaded = lc.load_global(out, refit=True)
    np.testing.assert_allclose(loaded.forecast(c),
                               result.forecaster.forecast(c), rtol=1e-6)
    validated = lc.load_global(out)
    assert validated.meta['refit'] == 'refit'
    # load_model loads any saved model, the global one too.
    for refit in (False, True):
        any_kind = lc.load_model(out, refit=refit)
        assert isinstance(any_kind, lc.GlobalForecaster)
        np.testing.assert_allclose(
            any_kind.forecast(c), (loaded if refit else validated)
            .forecast(c), rtol=1e-9)
    # A series it never saw, from its own history.
    new = lc.Collection.from_series([100 + np.arange(40.0)], ids=['new'])
    f = loaded.network(new, 4)
    assert f.shape == (4, 1, 1) and 120 < f[0, 0, 0] < 160
    bt = backtest_collection(loaded, c, horizon=3, origins=2)
    assert len(bt.ids) == 2 * len(c)


@pytest.mark.parametrize('steps', [1, 6, 15])
def test_a_global_model_forecasts_any_number_of_steps(trained, steps):
    c, result, out = trained
    f = result.forecaster
    frame = f.forecast_frame(c, steps)
    assert frame.groupby('store').size().eq(steps).all()
    assert np.isfinite(frame['sales']).all()
    # The first six steps do not depend on how far the forecast goes.
    first = f.forecast(c, 6)[:min(steps, 6)]
    np.testing.assert_allclose(f.forecast(c, steps)[:min(steps, 6)], first,
                               rtol=1e-9)
    width = (frame['sales_upper_95'] - frame['sales']).to_numpy().reshape(
        len(c), steps)
    half = f.half_widths[0.95]
    scale = global_model.history_scale(c, f.settings.season)[:, 0]
    # Steps past the calibrated six keep the last calibrated width.
    expected = half[np.minimum(np.arange(steps), 5)][None] * scale[:, None]
    np.testing.assert_allclose(width, expected, rtol=1e-9)


def test_cli_pred_goes_past_a_global_models_horizon(trained, tmp_path,
                                                     capsys):
    c, result, out = trained
    data = tmp_path / 'long.csv'
    long_table().to_csv(data, index=False)
    assert main(['pred', out, '--data', str(data), '--steps', '14',
                 '-q']) == 0
    forecast = pd.read_csv(os.path.join(out, 'forecast.csv'))
    assert forecast.groupby('store').size().eq(14).all()


def test_an_output_directory_of_other_settings_is_refused(trained):
    c, result, out = trained
    before = sorted(os.listdir(out))
    with pytest.raises(ValueError, match='trained with horizon 6 \\(now 4'):
        lc.fit_global(c, horizon=4, ensemble=2, out=out, seed=3,
                      batch_size=64, iterations=60)
    assert sorted(os.listdir(out)) == before


def test_fit_auto_takes_a_long_table():
    frame = long_table(6)
    result = lc.fit_auto(frame, id_column='store', time_column='month',
                         horizon=4, ensemble=1, epochs=None, iterations=20)
    assert isinstance(result.forecaster, lc.GlobalForecaster)
    assert result.settings.ensemble == 1
    # One result type for one and many series.
    assert type(result) is lc.FitResult
    assert result.resolution.settings is result.settings
    # Split conformal, as one table's: 6 series reach 80 % (the 6th of 6
    # errors), not 95 % (the 7th), which is left out with a note.
    assert set(result.intervals) == {0.8}
    assert 'too few series (6) to calibrate 95 % intervals' in ' '.join(
        result.notes)
    assert result.summary().startswith('summary: over 6 series')
    assert set(result.backtest.ids) == set(frame['store'])


def test_cli_trains_a_collection_and_writes_a_long_forecast(tmp_path,
                                                             capsys):
    data = tmp_path / 'long.csv'
    long_table(8).to_csv(data, index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(data), '--id-column', 'store', '--time-column',
                 'month', '--out', out, '--horizon', '5', '--ensemble', '1',
                 '--epochs', '200', '--refit', '-q']) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith('summary: over 8 series')
    assert main(['pred', out, '--series', 'id01,id02', '--json']) == 0
    doc = json.loads(capsys.readouterr().out)
    assert 'refitted' in doc['model']
    forecast = pd.read_csv(os.path.join(out, 'forecast.csv'))
    assert forecast.groupby('store').size().to_dict() == {
        'id{:02d}'.format(i): 5 for i in range(8)}
    # The values are the refitted model's forecasts of the file's series.
    expected = lc.load_model(out, refit=True).forecast_frame(
        lc.read_long(str(data), 'store', 'month'))
    np.testing.assert_allclose(forecast['sales'], expected['sales'],
                               rtol=1e-6)
    np.testing.assert_allclose(forecast['sales_upper_80'],
                               expected['sales_upper_80'], rtol=1e-6)
    assert os.path.getsize(os.path.join(out, 'forecast.png')) > 0
    assert main(['valid', out, '-q']) == 0
    assert 'summary: over 8 series' in capsys.readouterr().out


@pytest.mark.parametrize('change, message', [
    (lambda f: f.rename(columns={"store": "shop"}), "no column 'store'"),
    (lambda f: pd.concat([f, f.iloc[[5]]]), 'repeats'),
])
def test_cli_refuses_bad_collections_in_one_line(tmp_path, capsys, change,
                                                 message):
    data = tmp_path / 'long.csv'
    change(long_table(4)).to_csv(data, index=False)
    out = tmp_path / 'm'
    assert main(['train', str(data), '--id-column', 'store', '--time-column',
                 'month', '--out', str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()


def test_cli_pred_names_unknown_series(trained, tmp_path, capsys):
    c, result, out = trained
    data = tmp_path / 'long.csv'
    long_table().to_csv(data, index=False)
    before = sorted(os.listdir(out))
    assert main(['pred', out, '--data', str(data), '--series', 'nope']) == 2
    assert "no series 'nope'" in capsys.readouterr().err
    assert sorted(os.listdir(out)) == before




def test_the_combination_keeps_the_mean_unless_another_is_clearly_better():
    from lstm_chainer.forecasting.models.global_model import significantly_best
    rng = np.random.default_rng(0)
    mean = rng.gamma(2.0, 0.5, 500)
    # 3 % better on average, per-series differences noisy: not told apart.
    noisy = {'none': mean * 0.97 + rng.normal(0, 0.5, 500), 'mean': mean,
             'theta': mean + 0.2}
    assert np.mean(noisy['none']) < np.mean(mean)
    assert significantly_best(noisy) == 'mean'
    # The same gain on every series: significant.
    steady = dict(noisy, none=mean * 0.97)
    assert significantly_best(steady) == 'none'
    assert significantly_best({'mean': mean, 'theta': mean - 0.1}) == 'theta'
    assert significantly_best({'mean': mean[:1], 'theta': mean[:1] - 1}) \
        == 'mean'  # one series says nothing


def _write_long(tmp_path, frame, name='long.csv', **options):
    path = tmp_path / name
    frame.to_csv(path, index=False, **options)
    return str(path)


def test_a_long_file_is_read_as_load_csv_reads_a_table(tmp_path):
    frame = long_table(4)
    plain = lc.read_long(_write_long(tmp_path, frame), 'store', 'month')
    # gzip, and ';' with decimal commas, give the same collection.
    gz = lc.read_long(_write_long(tmp_path, frame, 'long.csv.gz',
                                  compression='gzip'), 'store', 'month')
    commas = lc.read_long(_write_long(tmp_path, frame, 'semi.csv', sep=';',
                                      decimal=','), 'store', 'month')
    for other in (gz, commas):
        np.testing.assert_allclose(other.values, plain.values)
        assert list(other.ids) == list(plain.ids)


def test_ids_are_read_as_written(tmp_path):
    frame = long_table(4)
    frame['store'] = frame['store'].map({'id00': 'NA', 'id01': '007',
                                         'id02': '7', 'id03': 'None'})
    c = lc.read_long(_write_long(tmp_path, frame), 'store', 'month')
    assert sorted(c.ids) == ['007', '7', 'NA', 'None']


@pytest.mark.parametrize('cell, message', [
    ('abc', "series 'id01': column 'sales' is empty or not a number at its "
            "row"),
    ('inf', "series 'id01': column 'sales' is infinite at its row"),
])
def test_a_bad_cell_of_a_long_file_is_named_by_series_and_row(
        tmp_path, cell, message):
    frame = long_table(4).astype({'sales': object})
    where = frame.index[frame['store'] == 'id01'][3]
    frame.loc[where, 'sales'] = cell
    path = _write_long(tmp_path, frame)
    with pytest.raises(ValueError, match='^{}: {} 4 \\(row {}\\)$'.format(
            path.replace('.', '\\.'), message.replace('(', '\\('),
            where + 2)):
        lc.read_long(path, 'store', 'month')


def test_the_cli_reads_gzip_and_decimal_commas_in_long_files(tmp_path,
                                                            capsys):
    path = _write_long(tmp_path, long_table(4), 'long.csv.gz', sep=';',
                       decimal=',', compression='gzip')
    out = str(tmp_path / 'm')
    assert main(['train', path, '--id-column', 'store', '--time-column',
                 'month', '--out', out, '--horizon', '3', '--ensemble', '1',
                 '--epochs', '2', '--decimal', ',', '-q']) == 0
    assert capsys.readouterr().out.strip().startswith('summary: over 4')


@pytest.mark.parametrize('columns, message', [
    ('sales,store', "column 'store' is the id column: it cannot be a "
                    "target too"),
    ('month', "column 'month' is the time column"),
])
def test_the_id_or_time_column_as_a_target_is_refused(tmp_path, capsys,
                                                      columns, message):
    path = _write_long(tmp_path, long_table(4))
    out = tmp_path / 'm'
    assert main(['train', path, '--id-column', 'store', '--time-column',
                 'month', '--columns', columns, '--out', str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()


def test_a_directory_given_as_the_data_is_named(tmp_path, capsys):
    assert main(['train', str(tmp_path), '--id-column', 'store',
                 '--out', str(tmp_path / 'm')]) == 2
    assert 'is a directory, not a CSV file' in capsys.readouterr().err


def test_eight_series_never_keep_a_forecast_clearly_worse_than_a_baseline():
    # A network trained for one epoch on 8 random walks: every candidate
    # that keeps it validates worse than damped ES alone.
    rng = np.random.default_rng(3)
    season = 10 * np.tile([3, -1, -4, 2], 10)
    c = lc.Collection.from_series(
        [np.cumsum(rng.normal(0, 5, 40)) + 100 + season for _ in range(8)],
        ids=['s{}'.format(i) for i in range(8)])
    result = lc.fit_global(c, horizon=4, season=4, ensemble=1, epochs=1,
                           batch_size=8, seed=0, refit=False, init='scratch')
    summary = result.backtest.summary()['MASE']
    best = summary.drop(['model', 'network']).min()
    assert summary['model'] <= 1.05 * best
    assert 'network' in summary and summary['network'] > 1.05 * best
    assert 'replaced the mean of the network and damped ES' in \
        ' '.join(result.notes)
    assert not result.forecaster.combination.keys() & {'network'}
    assert sum(result.forecaster.combination.values()) == 1


def test_the_guard_keeps_a_choice_within_its_share_of_the_best_baseline():
    from lstm_chainer.forecasting import combination
    scores = {'mean_damped': 1.0, 'naive': 0.96, 'seasonal_naive': 0.97,
              'theta': 1.2, 'damped': 1.1}
    assert combination.guard('mean_damped', scores) == 'mean_damped'
    scores['naive'] = 0.94
    assert combination.guard('mean_damped', scores) == 'naive'
    scores['seasonal_naive'] = np.nan  # not scored: never chosen
    assert combination.guard('mean_damped', scores) == 'naive'
    # On fewer independent windows than 8 a lower score is chance.
    assert combination.windows(1, 29, 10) == 3
    assert combination.windows(8, 1, 4) == 8
    assert combination.guard('mean_damped', scores, 3) == 'mean_damped'
    assert combination.guard('mean_damped', scores, 8) == 'naive'


def test_one_vocabulary_ensemble_and_no_season():
    c = lc.from_long(long_table(4), 'store', 'month')
    # No season is None, as one table's settings say it (0 or 1 given).
    s = global_model.global_settings(c, season=0, ensemble=2)
    assert (s.season, s.period, s.ensemble) == (None, 1, 2)
    assert global_model.global_settings(c, season=1).season is None
    assert global_model.global_settings(c).season == 12
    with pytest.warns(FutureWarning, match='members= is now ensemble='):
        assert global_model.global_settings(c, members=4).ensemble == 4
    # A record written before 0.8 names it members.
    old = dict(s.to_dict(), members=5, season=1)
    del old['ensemble']
    read = global_model.GlobalSettings.from_dict(old)
    assert (read.ensemble, read.season) == (5, None)


def test_a_small_collection_trains_and_prints_the_epochs_asked_for(
        tmp_path, capsys):
    # 12 series and batches of 256 windows: a batch is one epoch, not 21.
    path = _write_long(tmp_path, long_table(12))
    out = tmp_path / 'm'
    assert main(['train', path, '--id-column', 'store', '--time-column',
                 'month', '--out', str(out), '--epochs', '5', '--ensemble',
                 '1', '--horizon', '3']) == 0
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith('epoch ')]
    assert [line.split()[1] for line in lines] == [
        '1/5', '2/5', '3/5', '4/5', '5/5']
    assert 'snapshot_epoch_5' in os.listdir(out)


def test_a_dataframes_rows_are_named_by_their_index_labels(tmp_path):
    frame = long_table(4)
    frame.index = frame.index + 1000
    frame.loc[1100, 'store'] = None
    with pytest.raises(ValueError, match="^row 1100 has no id \\('store' is "
                       "empty\\)$"):
        lc.from_long(frame, 'store', 'month')
    # From a file, its line.
    frame = long_table(4)
    frame.loc[100, 'store'] = ''
    with pytest.raises(ValueError, match="row 102 has no id"):
        lc.read_long(_write_long(tmp_path, frame), 'store', 'month')


def test_times_across_a_daylight_saving_change_are_read_as_utc(tmp_path):
    times = ['2024-03-31T00:00:00+01:00', '2024-03-31T01:00:00+01:00',
             '2024-03-31T03:00:00+02:00', '2024-03-31T04:00:00+02:00',
             '2024-03-31T05:00:00+02:00']
    frame = pd.DataFrame({'time': times * 2, 'id': ['a'] * 5 + ['b'] * 5,
                          'y': np.arange(10.0)})
    path = _write_long(tmp_path, frame)
    c = lc.read_long(path, 'id', 'time')
    assert c.freq == 'h' and c.starts[0] == pd.Timestamp('2024-03-30 23:00')
    table = tmp_path / 'one.csv'
    frame.iloc[:5].drop(columns='id').to_csv(table, index=False)
    data = lc.load_csv(str(table), time_column='time')
    assert list(data.index) == list(pd.date_range('2024-03-30 23:00',
                                                  periods=5, freq='h'))


def test_pred_with_a_damaged_validation_table_still_forecasts(
        trained, tmp_path, capsys):
    c, result, out = trained
    copy = tmp_path / 'model'
    import shutil
    shutil.copytree(out, copy)
    (copy / 'series.csv').write_bytes(b'\x1f\x8b\x00\xff\xfe binary')
    data = _write_long(tmp_path, long_table())
    assert main(['pred', str(copy), '--data', data, '--steps', '2']) == 0
    said = capsys.readouterr().out
    assert 'series.csv is not the validation table' in said


def _long_edit(change):
    """A long_table(4) changed by ``change(frame)`` (cells as objects)."""
    def make():
        frame = long_table(4)
        frame['sales'] = frame['sales'].astype(object)
        frame['month'] = frame['month'].astype(object)
        change(frame)
        return frame
    return make


def _cell(column, value, row=9):
    return _long_edit(lambda f: f.__setitem__(
        column, f[column].where(f.index != row, value)))


# The long table's bad input, as test_cli's BAD_TRAIN has one table's:
# (case, the table or file text, options, the one line).
BAD_LONG_TRAIN = [
    ('missing', None, [], 'nope.csv: no such file'),
    ('empty', '', [], 'long.csv: the file is empty'),
    ('header only', 'store,month,sales\n', [],
     'has a header but no data rows'),
    ('text cell', _cell('sales', 'x'), [],
     "series 'id01': column 'sales' is empty or not a number at its row 1 "
     "(row 11)"),
    ('empty cell', _cell('sales', np.nan), [],
     "series 'id01': column 'sales' is empty or not a number"),
    ('infinite cell', _cell('sales', np.inf), [],
     "series 'id01': column 'sales' is infinite at its row 1 (row 11)"),
    ('unknown column', _long_edit(lambda f: None), ['--columns', 'sales,x'],
     "no column 'x' (the header has 'store', 'month', 'sales')"),
    ('no id column', _long_edit(lambda f: None), ['--id-column', 'shop'],
     "no column 'shop'"),
    ('empty id', _cell('store', ''), [], "row 11 has no id ('store' is "
                                          "empty)"),
    ('id as target', _long_edit(lambda f: None), ['--columns', 'sales,store'],
     "column 'store' is the id column: it cannot be a target too"),
    ('bad date', _cell('month', 'yesterday'), [],
     "row 11: 'yesterday' is not a time"),
    ('backwards', lambda: long_table(4).iloc[::-1], [], 'goes backwards'),
    ('repeat', lambda: pd.concat([long_table(4), long_table(4).iloc[[5]]]),
     [], 'repeats (row'),
    ('step missing', lambda: long_table(4).pipe(lambda f: f.drop(
        index=f[f['store'] == 'id03'].index[5])), [],
     "series 'id03': 1 step(s) missing before"),
    ('too short', lambda: long_table(4).groupby('store').head(3),
     ['--horizon', '5'], 'no series is longer than the horizon (5 rows)'),
    ('season too long', _long_edit(lambda f: None), ['--season', '500'],
     'season 500 is longer than every series'),
    ('one table option', _long_edit(lambda f: None), ['--transform', 'log'],
     "transform is one table's"),
    ('stride', _long_edit(lambda f: None), ['--stride', '2'],
     "stride is one table's"),
    ('no numeric column', _long_edit(lambda f: f.__setitem__(
        'sales', 'n/a ' + f['sales'].astype(str))), [],
     "long.csv: no numeric column to forecast beside 'store'"),
    ('regression', _long_edit(lambda f: None), ['--combine', 'regression'],
     "combine must be one of auto, none"),
    ('zero ensemble', _long_edit(lambda f: None), ['--ensemble', '0'],
     'argument --ensemble: must be >= 1, got 0'),
    ('bad device', _long_edit(lambda f: None), ['--device', 'gpu'],
     "device 'gpu' is not understood"),
    ('other settings', 'trained', ['--horizon', '4'],
     'holds a global model trained with horizon 6 (now 4)'),
]


@pytest.mark.parametrize('case,make,extra,message', BAD_LONG_TRAIN,
                         ids=[c[0] for c in BAD_LONG_TRAIN])
def test_train_bad_long_input(case, make, extra, message, trained, tmp_path,
                              capsys):
    path = tmp_path / 'long.csv'
    out = tmp_path / 'm'
    if make is None:
        path = tmp_path / 'nope.csv'
    elif isinstance(make, str) and make == 'trained':
        _, _, trained_out = trained
        import shutil
        shutil.copytree(trained_out, out)
        long_table().to_csv(path, index=False)
    elif isinstance(make, str):
        path.write_text(make)
    else:
        make().to_csv(path, index=False)
    before = sorted(os.listdir(out)) if out.exists() else None
    args = ['train', str(path), '--id-column', 'store', '--time-column',
            'month', '--out', str(out), '--epochs', '1', '--ensemble', '1']
    if '--id-column' in extra:
        args = args[:2] + extra[:2] + args[4:] + extra[2:]
        extra = []
    assert main(args + extra) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert (sorted(os.listdir(out)) if out.exists() else None) == before


def test_one_saved_format_for_both_kinds(trained, tmp_path):
    from lstm_chainer.forecasting import saved
    c, result, out = trained
    with open(os.path.join(out, 'model.json')) as f:
        doc = json.load(f)
    assert (doc['format'], doc['kind']) == (saved.FORMAT, 'global')
    table = tmp_path / 'table'
    lc.save_model(str(table), lc.Forecaster(lc.Model(1, 1, 3), lc.Scaler(
        [0.0], [1.0], ['a'])))
    with open(table / 'model.json') as f:
        doc = json.load(f)
    assert (doc['format'], doc['kind']) == (saved.FORMAT, 'series')
    assert saved.kind_of(str(table)) == 'series'
    assert saved.kind_of(out) == 'global'
    assert saved.kind_of(str(tmp_path)) is None


def _damage(key, value):
    def edit(doc):
        if value is KeyError:
            del doc[key]
        else:
            doc[key] = value
        return doc
    return edit


@pytest.mark.parametrize('command', [['valid'], ['pred', '--steps', '2']])
@pytest.mark.parametrize('edit, message', [
    (lambda doc: [doc], 'is not a model description (not a JSON object)'),
    (_damage('members', 0), 'members must be a whole number >= 1, got 0'),
    (_damage('sigma', -1.0), 'sigma must be a positive number, got -1.0'),
    (_damage('settings', KeyError), "KeyError: 'settings'"),
    (_damage('settings', {'horizon': 'x'}), 'TypeError'),
    (_damage('kind', 'other'), "kind 'other'"),
    (_damage('format', 99), 'was written by a newer lstm_chainer'),
    (_damage('combination', {'bogus': 1}), "'bogus' is not a partner"),
])
def test_a_damaged_global_record_is_one_line_naming_the_file(
        trained, tmp_path, capsys, command, edit, message):
    import shutil
    c, result, out = trained
    copy = tmp_path / 'model'
    shutil.copytree(out, copy)
    path = copy / 'model.json'
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))
    before = {p: p.read_bytes() for p in copy.rglob('*') if p.is_file()}
    data = _write_long(tmp_path, long_table())
    argv = [command[0], str(copy), '--data', data] + command[1:]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and message in err, err
    assert 'model.json' in err
    assert {p: p.read_bytes() for p in copy.rglob('*') if p.is_file()} \
        == before


def test_a_long_files_reading_options_are_kept_for_pred_and_valid(
        tmp_path, capsys):
    frame = long_table(4)
    text = frame.assign(sales=frame['sales'].map(
        lambda v: '{:,.3f}'.format(1000 * v).replace(',', ' ')
        .replace('.', ',').replace(' ', '.')))
    path = tmp_path / 'dots.csv'
    text.to_csv(path, sep=';', index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(path), '--id-column', 'store', '--time-column',
                 'month', '--out', out, '--horizon', '3', '--ensemble', '1',
                 '--epochs', '2', '--thousands', '.', '--decimal', ',',
                 '-q']) == 0
    c = lc.load_model(out).meta['data']
    assert (c['thousands'], c['decimal']) == ('.', ',')
    # pred and valid read the file again as it was read for training.
    assert main(['valid', out, '-q']) == 0
    assert main(['pred', out, '--steps', '2', '-q']) == 0
    forecast = pd.read_csv(os.path.join(out, 'forecast.csv'))
    assert forecast['sales'].between(1000 * frame['sales'].min() / 2,
                                     2000 * frame['sales'].max()).all()


def test_an_empty_static_cell_is_refused(tmp_path):
    frame = long_table(4)
    frame['kind'] = 'toys'
    frame.loc[9, 'kind'] = ''
    path = _write_long(tmp_path, frame)
    with pytest.raises(ValueError, match="static column 'kind' is empty at "
                       "row 11"):
        lc.read_long(path, 'store', 'month', static=['kind'])


def test_times_that_pandas_2_returns_as_objects_are_read_as_utc():
    from lstm_chainer.data.csvdata import utc_if_mixed
    text = pd.Series(['2024-03-31T01:00:00+01:00',
                      '2024-03-31T03:00:00+02:00'])

    def parse(**utc):  # as pandas 2 parses mixed offsets without utc=True
        if utc:
            return pd.to_datetime(text, **utc)
        return pd.Series([pd.Timestamp(t) for t in text], dtype=object)
    parsed = utc_if_mixed(parse)
    assert list(parsed) == [pd.Timestamp('2024-03-31 00:00'),
                            pd.Timestamp('2024-03-31 01:00')]


BAD_LONG_PRED = [
    (['pred', '--future', 'DATA'], "--future gives covariates' values, and "
     "the model reads none"),
    (['pred', '--data', 'HUGE'], "column 'sales' holds values too large to "
     'forecast'),
    (['pred', '--data', 'NOSALES'], "no column 'sales'"),
    (['valid', '--horizon', '500', '--data', 'DATA'],
     'no series is longer than 500 rows'),
    (['pred', '--series', 'x', '--data', 'DATA'],
     "--series: no series 'x' in the data"),
]


@pytest.mark.parametrize('argv,message', BAD_LONG_PRED,
                         ids=[' '.join(a[:2]) for a, _ in BAD_LONG_PRED])
def test_pred_and_valid_bad_long_input(trained, tmp_path, capsys, argv,
                                       message):
    c, result, out = trained
    files = {'DATA': long_table(), 'NOSALES': long_table().drop(
        columns='sales'), 'HUGE': long_table().assign(sales=1e300)}
    argv = [files.get(a) is not None and _write_long(
        tmp_path, files[a], a + '.csv') or a for a in argv]
    before = sorted(os.listdir(out))
    assert main(argv[:1] + [out] + argv[1:]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and message in err, err
    assert sorted(os.listdir(out)) == before


def test_series_of_zeros_validate_without_warnings(trained, tmp_path,
                                                   capsys):
    c, result, out = trained
    zeros = _write_long(tmp_path, long_table().assign(sales=0.0))
    assert main(['valid', out, '--data', zeros, '-q']) == 0
    assert capsys.readouterr().err == ''


def test_one_resolve_for_one_table_and_many_series():
    frame = long_table(3, shuffle_ids=False)
    one = frame[frame['store'] == frame['store'].iloc[0]].set_index(
        'month')[['sales']]
    many = lc.from_long(frame, 'store', 'month')
    table = lc.resolve(one, ensemble=2, season=0)
    collection = lc.resolve(many, ensemble=2, season=0)
    for r in (table, collection):
        assert isinstance(r.settings, lc.Settings)
        # One vocabulary: the same names, "no season" said alike.
        assert (r.settings.ensemble, r.settings.season, r.settings.period,
                r.no_season_because) == (2, None, 1, 'no season given')
    assert isinstance(collection.settings, lc.GlobalSettings)
    with pytest.raises(ValueError, match="transform is one table's"):
        lc.resolve(many, transform='log')
    with pytest.raises(ValueError, match='static columns need many series'):
        lc.resolve(one, static=['kind'])


@pytest.mark.parametrize('kind', [lc.AutoSettings, lc.GlobalSettings])
def test_settings_read_older_names_alike(kind):
    state = (lc.resolve(long_table(1, shuffle_ids=False).set_index('month')[
        ['sales']]) if kind is lc.AutoSettings else lc.resolve(
            lc.from_long(long_table(2), 'store', 'month'))).settings.to_dict()
    again = kind.from_dict(state)
    assert again == kind.from_dict(dict(state))
    old = dict(state, members=3, season=1)
    del old['ensemble']
    read = kind.from_dict(old)
    assert (read.ensemble, read.season) == (3, None)
    with pytest.raises(ValueError, match='unknown settings'):
        kind.from_dict(dict(state, nope=1))


def test_fit_auto_and_forecast_take_a_collection(trained):
    c, result, out = trained
    fitted = lc.fit_auto(c, horizon=3, ensemble=1, epochs=1, seed=1,
                         batch_size=64)
    assert isinstance(fitted.forecaster, lc.GlobalForecaster)
    assert fitted.settings.horizon == 3
    frame = lc.forecast(result.forecaster, c, 9, intervals=True)
    assert len(frame) == 9 * len(c)
    assert 'sales_upper_95' in frame and frame.attrs['notes'] == []
    point = lc.forecast(result.forecaster, c, 2)
    assert 'sales_upper_95' not in point
    # A long table is no wide one: its text columns point to from_long.
    with pytest.raises(ValueError, match='store, month are not numbers.*'
                       'from_long'):
        lc.forecast(result.forecaster, long_table(), 2)


def test_the_refit_continues_the_validated_members(monkeypatch):
    c = lc.from_long(long_table(), 'store', 'month')
    runs = []
    train = global_model.train_global

    def spy(collection, settings, *args, init=None, **kwargs):
        forecaster, trainers = train(collection, settings, *args, init=init,
                                     **kwargs)
        runs.append((len(collection.values), settings.epochs, init,
                     forecaster, trainers))
        return forecaster, trainers

    monkeypatch.setattr(global_model, 'train_global', spy)
    result = lc.fit_global(c, horizon=6, ensemble=2, epochs=12, seed=3,
                           batch_size=64, init='scratch')
    (rows, epochs, init, validated, _), (all_rows, refit_epochs, start,
                                         final, trainers) = runs
    assert init is None and start is validated
    assert all_rows == len(c.values) > rows
    assert refit_epochs == round(12 * global_model.REFIT_SHARE) == 4
    assert all(t.updater.epoch == 4 for t in trainers)
    assert result.forecaster is final
    # Each member went on from its own validated weights: four updates of
    # Adam move a weight by 0.004 at most; the members (other seeds) differ
    # by far more.

    def distance(a, b):
        return max(float(np.abs(p.array - q.array).max())
                   for p, q in zip(a.params(), b.params()))
    for before, after in zip(validated.members, final.members):
        assert 0 < distance(before, after) < 0.01
    assert distance(*validated.members) > 0.1


def test_the_linear_schedule_decays_adam_to_zero_with_clipped_gradients(
        tmp_path):
    import dataclasses
    c = lc.from_long(long_table(), 'store', 'month')
    s = global_model.global_settings(c, horizon=6, epochs=8, ensemble=1,
                                     batch_size=8, schedule='linear',
                                     grad_clip=0.5)
    decayed, (trainer,) = global_model.train_global(c, s, str(tmp_path / 'a'))
    optimizer = trainer.updater.get_optimizer('main')
    assert optimizer.alpha == 0.0  # the step after the last epoch
    assert any(isinstance(h, chainer.optimizer_hooks.GradientClipping)
               and h.threshold == 0.5
               for h in optimizer._hookable._pre_update_hooks.values())
    constant, _ = global_model.train_global(
        c, dataclasses.replace(s, schedule='constant'), str(tmp_path / 'b'))
    assert not all(np.array_equal(p.array, q.array) for p, q in zip(
        decayed.members[0].params(), constant.members[0].params()))


def test_a_resumed_run_starts_at_its_decayed_step():
    from types import SimpleNamespace

    from lstm_chainer.training.extensions import linear_decay
    for progress in (0.0, 2.5, 5.0, 12.0):
        # A fresh optimizer, as after loading a snapshot: its alpha is the
        # default again, and the step comes from the restored progress.
        optimizer = chainer.optimizers.Adam()
        trainer = SimpleNamespace(updater=SimpleNamespace(
            epoch_detail=progress, get_optimizer={'main': optimizer}.get))
        extension = linear_decay(10, 0.001)
        extension.initialize(trainer)
        assert optimizer.alpha == pytest.approx(
            0.001 * max(0.0, 1 - progress / 10))
        trainer.updater.epoch_detail = progress + 1
        extension(trainer)
        assert optimizer.alpha == pytest.approx(
            0.001 * max(0.0, 1 - (progress + 1) / 10))


@pytest.mark.parametrize('given, message', [
    ({'schedule': 'cosine'}, 'schedule must be one of constant, linear'),
    ({'grad_clip': 0}, 'grad_clip'),
    ({'alpha': -1e-3}, 'alpha'),
    ({'normalise': 'robust'}, 'normalise must be one of window, series, '
                              'scaled'),
])
def test_bad_training_recipes_are_named(given, message):
    c = lc.from_long(long_table(4), 'store', 'month')
    with pytest.raises(ValueError, match=message):
        global_model.global_settings(c, horizon=6, **given)


@pytest.fixture(scope='module')
def scaled():
    c = lc.from_long(long_table(), 'store', 'month')
    return c, lc.fit_global(c, horizon=6, ensemble=1, iterations=40, seed=3,
                            batch_size=64, normalise='scaled', loss='mae',
                            deseasonalise=False, init='scratch', refit=False)


def test_scaled_windows_forecast_log_changes_in_proportion(scaled):
    # Squaring a positive series doubles its log changes: its scaled
    # windows are the same, so its forecast is the square of the forecast.
    c, result = scaled
    forecaster = result.forecaster
    assert forecaster.sigma == 1.0
    squared = lc.Collection.from_series(
        [c.series(i)[:, 0] ** 2 for i in range(len(c))], ids=c.ids)
    plain = forecaster.network(c, 6)
    np.testing.assert_allclose(forecaster.network(squared, 6), plain ** 2,
                               rtol=1e-4)


def test_fine_tuning_keeps_the_pretrained_preparation(scaled):
    c, result = scaled
    tuned = lc.fit_global(c, horizon=6, iterations=10, batch_size=64,
                          init=result.forecaster, refit=False)
    assert (tuned.settings.normalise, tuned.settings.loss,
            tuned.settings.deseasonalise) == ('scaled', 'mae', False)
    assert any('fine-tuned' in note for note in tuned.notes)
    other = lc.fit_global(c, horizon=6, iterations=10, batch_size=64,
                          init=result.forecaster, refit=False,
                          normalise='window')
    assert other.settings.normalise == 'window'
    assert any("normalise='window' prepares the series otherwise" in note
               for note in other.notes)
