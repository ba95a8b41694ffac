import dataclasses

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main


def make_frame(n=120):
    t = np.arange(n)
    rng = np.random.RandomState(1)
    return pd.DataFrame({
        'date': pd.date_range('2015-01-01', periods=n, freq='MS'),
        'sales': 100 + t + 10 * np.sin(2 * np.pi * t / 12) + rng.randn(n),
        'temp': 15 + 5 * np.cos(2 * np.pi * t / 12) + 0.3 * rng.randn(n),
    })


FAST = dict(epochs=2, n_units=8, ensemble=2, seed=3)


@pytest.fixture(scope='module')
def csv(tmp_path_factory):
    path = tmp_path_factory.mktemp('data') / 'monthly.csv'
    make_frame().to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope='module')
def result(csv):
    data = lc.load_csv(csv, time_column='date')
    return data, lc.fit_auto(data, refit=True, **FAST)


def test_settings_follow_the_data(result):
    data, result = result
    s = result.settings
    assert (s.freq, s.season, s.horizon) == ('MS', 12, 18)
    # The held-out 30 rows backtest half of them; the windows train for
    # the whole horizon all the same.
    assert s.scored_horizon == result.backtest.horizon == 15
    assert s.context == max(2 * s.horizon, 2 * s.season, 8)
    assert s.seq_len == s.context + s.horizon
    assert s.transforms == tuple(result.validated.transformer.names)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.horizon = 3
    # 15 origins: too few for a calibrated 95 % interval.
    assert list(result.intervals) == [0.8]
    assert result.forecaster is not result.validated
    assert result.forecaster.context == s.context
    assert result.summary().startswith('summary: the ')


def test_python_and_the_command_line_forecast_the_same_to_the_bit(
        result, csv, tmp_path):
    data, result = result
    out = str(tmp_path / 'm')
    assert main(['train', csv, '--out', out, '--time-column', 'date',
                 '--epochs', '2', '--n-units', '8', '--ensemble', '2',
                 '--seed', '3', '--refit', '-q']) == 0
    assert main(['pred', out, '--steps', '7', '-q']) == 0
    # As text, then Python's float: exact round trip on any pandas.
    written = pd.read_csv(tmp_path / 'm' / 'forecast.csv', index_col=0,
                          dtype=str).astype(float)
    ours = lc.forecast(result.forecaster, data, 7, intervals=True)
    assert list(written.columns) == list(ours.columns)
    assert np.array_equal(written.to_numpy(), ours.to_numpy())
    assert lc.load_model(out).settings == result.settings


def test_save_and_load_keep_settings_context_and_intervals(result, tmp_path):
    data, result = result
    lc.save_model(str(tmp_path), result.forecaster)
    loaded = lc.load_model(str(tmp_path))
    assert loaded.settings == result.settings
    assert loaded.context == result.forecaster.context
    assert loaded.half_widths.keys() == result.intervals.keys()
    for level, half in result.intervals.items():
        assert np.array_equal(loaded.half_widths[level], half)
    assert np.array_equal(
        lc.forecast(loaded, data, 4, intervals=True).to_numpy(),
        lc.forecast(result.forecaster, data, 4, intervals=True).to_numpy())


def test_overrides_and_their_errors():
    data = make_frame().set_index('date')
    train, test = lc.split_series(data, 0.25)
    chosen = lc.resolve_settings(data, train, test, season=0, horizon=4,
                                 transform='none', n_units=5).settings
    assert (chosen.season, chosen.horizon, chosen.n_units) == (None, 4, 5)
    assert chosen.transforms == ('none', 'none')
    with pytest.raises(ValueError, match='unknown setting.*n_unit'):
        lc.resolve_settings(data, train, test, n_unit=5)
    with pytest.raises(ValueError, match='ensemble must be >= 1, got 0'):
        lc.fit_auto(data, ensemble=0)
    with pytest.raises(ValueError, match='report must be one of'):
        lc.fit_auto(data, report='loud')


def test_backtest_saved_repeats_the_validation(result):
    data, result = result
    again = lc.backtest_saved(result.validated, data,
                              test_rows=result.validated.meta['data'][
                                  'test_rows'])
    assert np.array_equal(again.origins, result.backtest.origins)
    pd.testing.assert_frame_equal(again.metrics, result.backtest.metrics)


def test_a_level_too_few_origins_reach_is_left_out_with_a_note():
    data = make_frame(60).set_index('date')
    result = lc.fit_auto(data, epochs=1, n_units=4, ensemble=1, season=0,
                         levels=(0.8, 0.95))
    assert len(result.backtest.origins) < 20
    assert 0.95 not in result.intervals
    assert any('too few backtest origins' in n and '95 %' in n
               for n in result.notes)
    future = lc.forecast(result.forecaster, data, 3,
                         intervals=bool(result.intervals))
    assert np.isfinite(future.to_numpy()).all()


def test_constant_and_indicator_columns():
    data = make_frame().set_index('date')
    train, test = lc.split_series(data, 0.25)
    data['workday'] = (np.arange(len(data)) % 7 < 5).astype(float)
    train, test = lc.split_series(data, 0.25)
    notes = lc.resolve_settings(data, train, test).notes
    assert any("'workday' takes only 2 values (0, 1)" in n
               and '--covariates workday' in n for n in notes)
    assert not lc.resolve_settings(data, train, test, ['workday']).notes
    data['flat'] = 3.0
    train, test = lc.split_series(data, 0.25)
    with pytest.raises(ValueError, match="'flat' is constant on the training "
                       r"part \(every value is 3\)"):
        lc.resolve_settings(data, train, test)


def test_the_verdict_names_columns_that_differ_and_advises_what_was_not_tried():
    from lstm_chainer.forecasting.auto import verdict
    rng = np.random.RandomState(0)
    data = pd.DataFrame(np.cumsum(rng.randn(80, 2), axis=0),
                        columns=['demand', 'workday'])
    result = lc.backtest(None, data, 3, start=59)
    good = result.actual.copy()
    good[..., 1] += 10  # demand perfect, workday far off
    result.add('model', good)
    line = verdict(result, ['none', 'none'], season=None)
    assert 'LOSES' in line and 'but demand (skill +1.00) beats it' in line
    bad = result.forecasts['naive'] + 5
    result.add('model', bad)
    line = verdict(result, ['diff', 'diff'], season=None)
    assert 'LOSES' in line and 'seasonal-diff' not in line
    assert 'transform diff' not in line and 'more epochs' in line
    assert 'seasonal-diff' in verdict(result, ['diff', 'diff'], season=7)


def test_early_stopping_chooses_epochs_without_seeing_the_held_out_part():
    data = make_frame(160).set_index('date')
    other = data.copy()
    other.iloc[-40:] *= 3  # the held-out part only
    runs = [lc.fit_auto(frame, epochs=12, early_stopping=2, n_units=4,
                        ensemble=2, season=0, horizon=4, seed=1)
            for frame in (data, other)]
    first, second = runs
    assert first.settings.epochs == second.settings.epochs <= 12
    assert first.settings.early_stopping == 2
    assert any('early stopping on the last' in n for n in first.notes)
    assert all(t.updater.epoch == first.settings.epochs
               for t in first.trainers)
    for a, b in zip(first.validated.params(), second.validated.params()):
        np.testing.assert_array_equal(a.array, b.array)


def _short(n, freq, season=None, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = 50 + 2 * t + rng.randn(n)
    if season:
        values += 8 * np.sin(2 * np.pi * t / season)
    return pd.DataFrame({'y': values}, index=pd.date_range(
        '2000-01-01', periods=n, freq=freq))


def test_a_series_as_short_as_m3s_yearly_gets_the_horizon_asked_for():
    data = _short(14, 'YS')
    result = lc.fit_auto(data, refit=True, horizon=6, **FAST)
    s = result.settings
    # The windows fit the 10 training rows and train for 3 steps or more;
    # the 4 held-out rows backtest 3 of the 6 asked for, which is said.
    assert s.horizon == 6 and s.scored_horizon == result.backtest.horizon == 3
    assert s.seq_len + s.pred + result.validated.lag <= 10 - 3
    assert s.seq_len - s.support_len - 1 >= 2
    assert any('backtests 3 of the 6 steps' in n for n in result.notes)
    assert any('the training part is short (10 rows)' in n
               for n in result.notes)
    forecast = lc.forecast(result.forecaster, data, 6)
    assert len(forecast) == 6 and np.isfinite(forecast['y']).all()
    assert result.forecaster.settings.horizon == 6


def test_three_years_of_monthly_training_rows_keep_the_season():
    data = _short(48, 'MS', season=12)
    resolution = lc.resolve_settings(data, *lc.split_series(data, 0.25),
                                     horizon=18)
    assert resolution.settings.season == 12
    assert resolution.choice is not None
    assert 'seasonal strength' in resolution.choice.columns
    train, _ = lc.split_series(_short(35, 'MS', season=12), 0.25)
    assert lc.resolve_settings(train, *lc.split_series(train, 0.25)) \
        .no_season_because == 'fewer than 3 seasons of 12 to train on'


def test_windows_given_explicitly_are_not_shrunk():
    data = _short(14, 'YS')
    with pytest.raises(ValueError, match='14 rows are too few'):
        lc.resolve_settings(data, *lc.split_series(data, 0.25), horizon=6,
                            context=8)


def test_the_combination_is_chosen_on_the_backtest_and_kept_everywhere(
        tmp_path):
    from lstm_chainer.forecasting import combination
    from lstm_chainer.forecasting.classical.damped import damped_forecast
    from lstm_chainer.forecasting.classical.theta import theta_forecast
    # choose_on: the mean of Theta and damped ES unless another candidate
    # beats it by its margin: 0.2 / sqrt(origins), ten times that for the
    # network alone (at most 0.9).
    assert combination.margins(4)['mean'] == pytest.approx(0.1)
    assert combination.margins(4)['none'] == pytest.approx(0.9)
    assert combination.margins(16)['none'] == pytest.approx(0.5)
    actual = np.zeros((2, 16, 1))  # 16 origins: margins 5 % and 50 %
    partners = {'theta': actual - 1, 'damped': actual + 3}  # their mean: 1
    picked = combination.choose_on(actual + 1, partners, actual, [1.0])
    assert picked[:2] == ({'theta': 0.5}, 'mean')  # MASE 0 against 1
    assert picked[2]['classical'] == pytest.approx(1.0)
    # The network alone 40 % better is not enough to forecast alone (its
    # mean with Theta, 20 % better, is chosen); 60 % is.
    near = {'theta': actual + 1, 'damped': actual + 1}
    assert combination.choose_on(actual + 0.6, near, actual, [1.0])[1] == \
        'mean'
    assert combination.choose_on(actual + 0.4, near, actual, [1.0])[1] == \
        'none'
    # 4 % better (the mean with Theta: 2 %): the default stays; on 4
    # origins (margin 10 %) so does 8 % better.
    assert combination.choose_on(actual + 0.96, near, actual, [1.0])[1] == \
        'classical'
    four = np.zeros((2, 4, 1))
    assert combination.choose_on(
        four + 0.84, {'theta': four + 1, 'damped': four + 1}, four,
        [1.0])[1] == 'classical'
    assert combination.choose_on(
        four + 0.6, {'theta': four + 1, 'damped': four + 1}, four,
        [1.0])[1] == 'mean'
    same = {'theta': actual + 1, 'damped': actual + 1}
    assert combination.choose_on(actual + 1, same, actual, [1.0])[1] == \
        'classical'
    assert combination.choose_on(actual + 1, same, actual, [1.0],
                                 'none')[0] == {}
    with pytest.raises(ValueError, match='combine must be one of'):
        lc.fit_auto(make_frame().set_index('date'), combine='best', **FAST)

    data = make_frame().set_index('date')[['sales']]
    out = str(tmp_path / 'm')
    mean = lc.fit_auto(data, combine='mean', out=out, refit=True, **FAST)
    alone = lc.fit_auto(data, combine='none', refit=True, **FAST)
    assert mean.forecaster.combination == {'theta': 0.5}
    assert alone.forecaster.combination == {}
    assert 'the mean of the network and Theta' in mean.summary()
    # The same networks (same seed): the forecast is their mean with
    # Theta's from the whole history.
    both = lc.forecast(mean.forecaster, data, 18)['sales']
    network = lc.forecast(alone.forecaster, data, 18)['sales']
    np.testing.assert_allclose(
        both, 0.5 * network + 0.5 * theta_forecast(data['sales'], 18, 12))
    damped = lc.fit_auto(data, combine='mean_damped', refit=True, **FAST)
    assert 'the mean of the network and damped ES' in damped.summary()
    np.testing.assert_allclose(
        lc.forecast(damped.forecaster, data, 18)['sales'],
        0.5 * network + 0.5 * damped_forecast(data['sales'], 18, 12))
    bt = mean.backtest
    assert list(bt.forecasts)[:2] == ['model', 'network']
    np.testing.assert_allclose(bt.forecasts['network'],
                               alone.backtest.forecasts['model'])
    # Saved and loaded, backtested again: the same combination.
    loaded = lc.load_model(out, refit=True)
    assert loaded.combination == {'theta': 0.5}
    np.testing.assert_allclose(lc.forecast(loaded, data, 18)['sales'], both)
    again = lc.backtest_saved(lc.load_model(out), data, test_rows=30)
    pd.testing.assert_frame_equal(again.metrics, bt.metrics)
    # auto: the note says what was chosen and on what.
    auto = lc.fit_auto(data, **FAST)
    assert any(n.startswith('the forecast is ') and 'chosen on the backtest'
               in n for n in auto.notes)
