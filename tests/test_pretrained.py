"""The pretrained network: its corpus generator, the shipped weights and
card, zero-shot forecasts, fine-tuning and the one-table partner."""
import json
import os

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main
from lstm_chainer.data.synthetic import mixup, smooth_curve, synthetic_series
from lstm_chainer.forecasting.models.global_model import (
    GlobalForecaster,
    GlobalSettings,
    damped_collection,
    network_rows,
    train_global,
)
from lstm_chainer.forecasting.models.pretrained import (
    CARD_FILE,
    PACKAGE_DIR,
    ZERO_SHOT_DIR,
    card,
    pretrained_forecasts,
    snapshot_members,
    write_package,
    zero_shot,
)
from lstm_chainer.forecasting.preprocessing.series_prep import fit_prep


def monthly(rows=72, seed=0, level=100.0):
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    values = level * (1 + 0.01 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) \
        * np.exp(rng.normal(0, 0.02, rows))
    return pd.DataFrame({'sales': values},
                        index=pd.date_range('2010-01-01', periods=rows,
                                            freq='MS'))


def test_synthetic_series_are_reproducible_and_finite():
    a, seasons, kinds = synthetic_series(40, seed=3)
    b, again, _ = synthetic_series(40, seed=3)
    c, _, _ = synthetic_series(40, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert np.array_equal(seasons, again)
    assert not all(len(x) == len(y) and np.allclose(x, y)
                   for x, y in zip(a, c))
    assert all(np.isfinite(x).all() and len(x) >= 24 for x in a)
    assert set(kinds) <= {'structural', 'kernel', 'intermittent'}
    # A seasonal series is long enough to show its season three times.
    assert all(len(x) >= 3 * m for x, m in zip(a, seasons) if m > 1)


def test_smooth_share_leaves_the_default_draws_unchanged():
    a, seasons, kinds = synthetic_series(60, seed=5)
    b, again, _ = synthetic_series(60, seed=5, smooth=0.0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert np.array_equal(seasons, again) and 'smooth' not in kinds
    _, _, kinds = synthetic_series(200, seed=5, smooth=0.5)
    assert 60 < kinds.count('smooth') < 140
    with pytest.raises(ValueError, match='smooth'):
        synthetic_series(3, smooth=1.0)


def test_smooth_curves_are_positive_and_smooth():
    rng = np.random.default_rng(0)
    for _ in range(50):
        y = smooth_curve(rng, 60, 1)
        assert y.shape == (60,) and np.all(y > 0)
        # Little noise: the second differences of the log are small
        # against the first (a trend, not a walk).
        d = np.diff(np.log(y))
        assert np.std(np.diff(d)) <= 0.06 + 0.5 * np.std(d)


def test_mixup_combines_series_of_one_season():
    rng = np.random.default_rng(1)
    pool = [100 + rng.normal(0, 1, 40) for _ in range(4)] \
        + [np.arange(1.0, 61.0) * 1000 for _ in range(3)] + [np.ones(5)]
    seasons = np.array([4] * 4 + [12] * 3 + [1])
    out, periods = mixup(pool, seasons, 50, seed=2)
    again, _ = mixup(pool, seasons, 50, seed=2)
    assert len(out) == 50 and set(periods) <= {4, 12}
    assert all(np.array_equal(x, y) for x, y in zip(out, again))
    for y, m in zip(out, periods):
        # Each part is divided by its mean absolute value and the weights
        # sum to one, so the mix is near one whatever the parts' levels.
        assert 24 <= len(y) <= (40 if m == 4 else 60)
        assert 0.5 < np.mean(y) < 1.5
    # The season-12 parts are straight lines: so is their mix.
    line = next(y for y, m in zip(out, periods) if m == 12)
    assert np.allclose(np.diff(line, 2), 0)
    # No season with two long enough series: nothing to mix.
    empty, none = mixup(pool[-2:], seasons[-2:], 5)
    assert empty == [] and len(none) == 0
    # A pool of two mixes both, whatever max_parts asks.
    two, _ = mixup(pool[4:6], seasons[4:6], 5, max_parts=3)
    assert len(two) == 5


def test_per_series_seasons_prepare_as_each_season_alone():
    quarterly = [monthly(40, seed=k)['sales'].to_numpy()[::3] * (k + 1)
                 for k in range(3)]
    monthly_ = [monthly(60, seed=k)['sales'].to_numpy() for k in range(3)]
    both = lc.Collection.from_series(quarterly + monthly_)
    prep = fit_prep(both.values, both.offsets, np.array([4] * 3 + [12] * 3))
    z = prep.transform(both.values, both.offsets)
    for group, season, rows in ((quarterly, 4, slice(0, 3)),
                                (monthly_, 12, slice(3, 6))):
        alone = lc.Collection.from_series(group)
        expected = fit_prep(alone.values, alone.offsets, season).transform(
            alone.values, alone.offsets)
        part = z[both.offsets[rows.start]:both.offsets[rows.stop]]
        np.testing.assert_allclose(part, expected)
    assert prep.seasonal[3:].all()  # the monthly season was found


def test_the_zero_shot_network_is_the_default_and_fine_tuning_has_its_own():
    zero, tuning = lc.pretrained(), lc.pretrained(PACKAGE_DIR)
    assert zero.meta['pretrained'] == card() == card(ZERO_SHOT_DIR)
    assert (zero.settings.normalise, zero.settings.loss) == ('scaled', 'mae')
    assert (tuning.settings.normalise, tuning.settings.loss) == (
        'window', 'mse')
    assert zero.meta['pretrained']['command'].endswith('--ship zero-shot')


@pytest.mark.parametrize('directory', [ZERO_SHOT_DIR, PACKAGE_DIR])
def test_shipped_weights_load_forecast_and_match_their_card(directory):
    model = lc.pretrained(directory)
    doc = card(directory)
    assert model.meta['pretrained'] == doc
    # The recipe the card states is the one the network reads with.
    training = doc['training']
    assert training.get('normalise', 'window') == model.settings.normalise
    assert training['loss'] == model.settings.loss
    assert model.settings.any_season
    assert doc['sizes']['n_units'] == model.settings.n_units
    assert doc['sizes']['parameters'] == sum(
        p.size for p in model.members[0].params())
    assert {'corpus', 'sizes', 'training', 'command', 'lstm_chainer'} \
        <= set(doc)
    assert doc['training']['seed'] == model.settings.seed
    assert len(model.members) == len(training.get('members_at_epochs', [0]))
    assert os.path.getsize(os.path.join(directory, 'model.npz')) \
        <= 8 * 2 ** 20
    frame = monthly()
    # Past the trained horizon: fed back, finite, positive like the data.
    steps = model.settings.horizon + 12
    out = lc.forecast(model, frame, steps, intervals=True)
    assert len(out) == steps and out.index[0] == pd.Timestamp('2016-01-01')
    assert np.isfinite(out['sales']).all() and (out['sales'] > 0).all()
    assert (out['sales_lower_80'] <= out['sales']).all()
    assert (out['sales_upper_95'] >= out['sales_upper_80']).all()
    # The forecast follows the series' level, not a constant.
    assert 0.5 < out['sales'].mean() / frame['sales'].iloc[-12:].mean() < 2


def test_zero_shot_of_a_collection_chooses_partners_and_intervals():
    model = lc.pretrained()
    collection = lc.Collection.from_series(
        [monthly(60 + k, seed=k, level=10 * (k + 1))['sales'].to_numpy()
         for k in range(12)], freq='MS',
        starts=[pd.Timestamp('2010-01-01')] * 12)
    ready, bt, notes = zero_shot(model, collection, 12)
    assert ready.settings.season == 12  # the time step's
    assert bt is not None and len(set(bt.ids)) == 12
    assert notes[0].startswith('the forecast is ')
    assert set(ready.half_widths) == {0.8, 0.95}
    frame = lc.forecast(model, collection, 12, intervals=True)
    assert len(frame) == 12 * 12
    assert np.isfinite(frame['y']).all()
    assert model.meta.get('combination') is None  # the model is not changed


def test_short_series_get_a_stated_fallback():
    model = lc.pretrained()
    short = pd.DataFrame({'y': [3.0, 4.0, 5.0]})
    out = lc.forecast(model, short, 5, intervals=True)
    assert np.isfinite(out['y']).all() and len(out) == 5
    notes = ' '.join(out.attrs['notes'])
    assert 'without partners or intervals' in notes
    assert 'extended back with its first value' in notes
    assert 'fewer than 8 rows: damped ES forecasts them' in notes
    damped = damped_collection(lc.Collection.from_series([[3.0, 4.0, 5.0]]),
                               5, 1)[:, 0, 0]
    np.testing.assert_allclose(out['y'], damped, rtol=1e-12)


@pytest.mark.parametrize('directory', [ZERO_SHOT_DIR, PACKAGE_DIR],
                         ids=['zero-shot', 'fine-tuning'])
def test_a_few_rows_of_swings_do_not_grow_without_end(directory):
    # Five quarters of M1's QNC5 (2.7 to 8.4): the networks took them to
    # 1,300-25,000 in 8 steps; below network_rows damped ES forecasts.
    swings = np.array([2.7, 6.1, 3.2, 8.4, 3.0, 4.8, 3.4, 5.8, 3.2, 8.2])
    model = lc.pretrained(directory).with_season(4)
    assert network_rows(4) == 8 and network_rows(12) == 16
    for rows in (3, 5, 7):
        f = model.network(lc.Collection.from_series([swings[:rows]]),
                          8)[:, 0, 0]
        np.testing.assert_allclose(f, damped_collection(
            lc.Collection.from_series([swings[:rows]]), 8, 4)[:, 0, 0])
        assert f.max() < 3 * swings.max()
    # From eight rows on, the network's own forecast.
    f = model.network(lc.Collection.from_series([swings[:8]]), 8)[:, 0, 0]
    assert not np.allclose(f, damped_collection(
        lc.Collection.from_series([swings[:8]]), 8, 4)[:, 0, 0])


@pytest.mark.parametrize('directory', [ZERO_SHOT_DIR, PACKAGE_DIR],
                         ids=['zero-shot', 'fine-tuning'])
def test_a_history_that_never_changes_is_forecast_unchanged(directory):
    model = lc.pretrained(directory).with_season(1)
    rng = np.random.default_rng(0)
    series = {'flat': np.full(40, 100.0), 'zeros': np.zeros(40),
              # flat over the whole context after a rise
              'settled': np.r_[np.linspace(50, 80, 20), np.full(40, 80.0)],
              'one row': np.array([7.0]),
              'near flat': 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 40)))}
    collection = lc.Collection.from_series(list(series.values()),
                                           ids=list(series))
    f = model.network(collection, 12)[:, :, 0]
    for k, y in enumerate(list(series.values())[:4]):
        np.testing.assert_allclose(f[:, k], y[-1], rtol=1e-12)
    # Any change in the context leaves the network's forecast its own.
    assert np.ptp(f[:, 4]) > 0


def test_zero_shot_refuses_what_it_cannot_read():
    model = lc.pretrained()
    with pytest.raises(ValueError, match='no values'):
        lc.forecast(model, pd.DataFrame(), 3)
    with pytest.raises(ValueError, match='steps'):
        lc.forecast(model, monthly(), 0)
    with pytest.raises(ValueError, match='not finite|empty|NaN|missing'):
        lc.forecast(model, pd.DataFrame({'y': [1.0, np.nan, 2.0]}), 3)


def test_trained_model_refuses_a_season():
    frame = monthly(48)
    result = lc.fit_auto(frame, epochs=1, ensemble=1, n_units=4,
                         init='scratch')
    with pytest.raises(ValueError, match='season= is a pretrained'):
        lc.forecast(result.forecaster, frame, 3, season=4)


def test_pretraining_is_reproducible_and_writes_a_loadable_package(tmp_path):
    series, seasons, _ = synthetic_series(30, seed=1, max_length=80)
    collection = lc.Collection.from_series(series)
    settings = GlobalSettings(horizon=6, context=8, n_units=8, epochs=2,
                              batch_size=16, ensemble=1, any_season=True)
    runs = [train_global(collection, settings, str(tmp_path / name),
                         seasons=seasons)[0] for name in ('a', 'b')]
    for p, q in zip(runs[0].members[0].params(), runs[1].members[0].params()):
        np.testing.assert_array_equal(p.array, q.array)
    doc = {'name': 'test', 'sizes': {'n_units': 8}}
    where = write_package(runs[0], doc, str(tmp_path / 'package'))
    with open(os.path.join(where, CARD_FILE)) as f:
        assert json.load(f) == doc
    model = lc.pretrained(where)
    out = lc.forecast(model, monthly(40), 7)
    assert np.isfinite(out['sales']).all()
    with pytest.raises(ValueError, match='holds no pretrained model'):
        lc.pretrained(str(tmp_path))


def test_snapshot_members_join_the_final_weights(tmp_path):
    series, seasons, _ = synthetic_series(20, seed=2, max_length=60)
    collection = lc.Collection.from_series(series)
    settings = GlobalSettings(horizon=4, context=6, n_units=4, epochs=30,
                              batch_size=16, ensemble=1, any_season=True)
    out = str(tmp_path / 'run')
    final, _ = train_global(collection, settings, out, seasons=seasons)
    model, at = snapshot_members(final, out, [0.3, 0.6])
    assert at == [10, 20, 30] and model.settings.ensemble == 3
    saved = np.load(os.path.join(out, 'snapshot_epoch_10'))
    first = model.members[0].l1.W.array
    np.testing.assert_array_equal(
        first, saved['updater/model:main/predictor/l1/W'])
    assert not np.array_equal(first, final.members[0].l1.W.array)
    assert model.members[-1] is final.members[0]
    # Saved and loaded as a package, the three members forecast together.
    loaded = lc.pretrained(write_package(model, {'name': 'test'},
                                         str(tmp_path / 'package')))
    assert len(loaded.members) == 3
    history = lc.Collection.from_series([monthly(40)['sales'].to_numpy()])
    np.testing.assert_allclose(loaded.network(history, 5),
                               model.network(history, 5), rtol=1e-6)
    alone = [GlobalForecaster([m], final.settings, final.sigma, final.meta,
                              final.inputs).network(history, 5)
             for m in model.members]
    assert not np.allclose(alone[0], alone[2])
    ensemble = model.network(history, 5)
    assert (np.min(alone, axis=0) <= ensemble + 1e-9).all()
    assert (ensemble <= np.max(alone, axis=0) + 1e-9).all()
    with pytest.raises(ValueError, match='between 0 and 1'):
        snapshot_members(final, out, [1.5])


def test_fit_global_fine_tunes_from_the_pretrained_weights():
    collection = lc.Collection.from_series(
        [monthly(48, seed=k)['sales'].to_numpy() for k in range(6)])
    model = lc.pretrained(PACKAGE_DIR)  # fine-tuning's own network
    tuned = lc.fit_global(collection, horizon=6, season=12, epochs=1,
                          ensemble=1, refit=False)
    assert tuned.settings.n_units == model.settings.n_units
    assert tuned.forecaster.sigma == model.sigma
    assert tuned.settings.normalise == model.settings.normalise
    assert any(n.startswith('fine-tuned from') for n in tuned.notes)
    scratch = lc.fit_global(collection, horizon=6, season=12, epochs=1,
                            ensemble=1, refit=False, init='scratch')
    assert scratch.settings.n_units == 32
    assert not any('fine-tuned' in n for n in scratch.notes)
    # Sizes that differ, or inputs it never read: from scratch, said why.
    other = lc.fit_global(collection, horizon=6, season=12, epochs=1,
                          ensemble=1, refit=False, n_units=8)
    assert any('trained from scratch: n_units 8' in n for n in other.notes)
    with pytest.raises(ValueError, match='init must be'):
        lc.fit_global(collection, horizon=6, epochs=1, init=3)
    # Unless given, fine-tuning trains two members, from scratch three.
    two = lc.fit_global(collection, horizon=6, season=12, epochs=1,
                        refit=False)
    three = lc.fit_global(collection, horizon=6, season=12, epochs=1,
                          refit=False, init='scratch')
    assert (two.settings.ensemble, len(two.forecaster.members)) == (2, 2)
    assert (three.settings.ensemble, len(three.forecaster.members)) == (3, 3)


def test_a_table_is_a_collection_of_its_columns():
    frame = monthly(30).assign(other=lambda f: f['sales'] * 2 + 1)
    collection = lc.Collection.from_table(frame)
    assert list(collection.ids) == ['sales', 'other']
    assert collection.freq == 'MS' and list(collection.lengths) == [30, 30]
    np.testing.assert_array_equal(collection.series(1)[:, 0],
                                  frame['other'].to_numpy())
    array = lc.Collection.from_table(frame.to_numpy())
    assert list(array.ids) == ['0', '1'] and array.freq is None
    with pytest.raises(ValueError, match='no values'):
        lc.Collection.from_table(frame.iloc[:0])
    with pytest.raises(ValueError, match='store are not numbers'):
        lc.Collection.from_table(frame.assign(store='a'))
    # A column that starts later is a shorter series, dated from its start.
    late = frame.assign(other=frame['other'].where(frame.index >= '2010-11'))
    ragged = lc.Collection.from_table(late)
    assert list(ragged.lengths) == [30, 20]
    assert ragged.starts[1] == pd.Timestamp('2010-11-01')
    assert ragged.index_of(1)[-1] == frame.index[-1]
    # A gap after its first value is named, as is an empty column.
    with pytest.raises(ValueError, match="'other' of the table is empty at "
                                         "row 12 .*first value at row 11"):
        lc.Collection.from_table(late.assign(other=late['other'].where(
            frame.index != '2010-12')))
    with pytest.raises(ValueError, match="column 'other' of the table is "
                                         "empty$"):
        lc.Collection.from_table(frame.assign(other=np.nan))
    # A Series and a 1-D array are tables of one column.
    assert list(lc.Collection.from_table(frame['sales']).ids) == ['sales']
    assert list(lc.Collection.from_table(np.arange(5.0)).lengths) == [5]


def test_fit_global_fine_tunes_on_one_table():
    frame = monthly(48).assign(other=lambda f: f['sales'][::-1].to_numpy())
    result = lc.fit_global(frame, horizon=6, epochs=1, ensemble=1,
                           refit=False)
    assert any(n.startswith('fine-tuned from') for n in result.notes)
    model = result.forecaster
    wide = lc.forecast(model, frame, steps=8)
    # The wide table of the collection's long forecast, in future months.
    assert list(wide.columns) == ['sales', 'other']
    assert wide.index[0] == pd.Timestamp('2014-01-01') and len(wide) == 8
    long = model.forecast_frame(lc.Collection.from_table(frame), 8)
    np.testing.assert_allclose(wide['other'],
                               long[long['id'] == 'other']['y'])
    # An array forecasts past its rows.
    ahead = lc.forecast(model, frame.to_numpy(), steps=2)
    assert list(ahead.index) == [48, 49]
    with pytest.raises(ValueError, match='no calibrated prediction'):
        lc.forecast(model, frame, steps=2, intervals=True)
    with pytest.raises(ValueError, match='or a table .* got list'):
        lc.fit_global([1.0, 2.0, 3.0])
    # A table's own problem is named, not the type's.
    with pytest.raises(ValueError, match='store are not numbers'):
        lc.forecast(model, frame.assign(store='a'), steps=2)
    # Calibrated intervals come back as each column's bounds.
    model.meta['intervals'] = {'half_widths': {'0.8': [1.0] * 6}}
    bounds = lc.forecast(model, frame, steps=8, intervals=True)
    assert list(bounds.columns) == ['sales', 'sales_lower_80',
                                    'sales_upper_80', 'other',
                                    'other_lower_80', 'other_upper_80']
    above = bounds['other_upper_80'] - bounds['other']
    assert (above > 0).all()
    np.testing.assert_allclose(bounds['other'] - bounds['other_lower_80'],
                               above)
    np.testing.assert_allclose(bounds['other'], wide['other'])


def test_one_table_backtests_the_pretrained_partner():
    frame = monthly(60)
    result = lc.fit_auto(frame, epochs=1, ensemble=1, n_units=4)
    assert 'pretrained' in result.backtest.forecasts
    scratch = lc.fit_auto(frame, epochs=1, ensemble=1, n_units=4,
                          init='scratch')
    assert 'pretrained' not in scratch.backtest.forecasts
    with pytest.raises(ValueError, match="init for one table"):
        lc.fit_auto(frame, epochs=1, init='/some/where')
    # The partner from every origin is the network's forecast of each
    # origin's history alone.
    values = frame.to_numpy()
    f = pretrained_forecasts(values, [40, 50], 4, 12)
    alone = lc.forecast(lc.pretrained(), frame.iloc[:51], 4,
                        season=12, intervals=False)
    assert f.shape == (4, 2, 1) and np.isfinite(f).all()
    network = lc.pretrained().with_season(12).network(
        lc.Collection.from_series([values[:51, 0]]), 4)[:, 0, 0]
    np.testing.assert_allclose(f[:, 1, 0], network, rtol=1e-5)  # float32
    assert len(alone) == 4


def test_a_table_without_a_season_keeps_the_pretrained_mean_by_default(
        tmp_path):
    from lstm_chainer.forecasting import combination
    with_it = {'theta', 'damped', 'pretrained', 'naive'}
    assert combination.default_for(None, with_it) == 'pretrained3'
    assert combination.default_for(1, with_it) == 'pretrained3'
    assert combination.default_for(12, with_it) == 'classical'
    assert combination.default_for(None, {'theta', 'damped'}) == 'classical'
    # Kept unless another scores lower by its margin, as 'classical' is.
    actual = np.zeros((2, 16, 1))
    same = {'theta': actual + 1, 'damped': actual + 1,
            'pretrained': actual + 1}
    assert combination.choose_on(actual + 1, same, actual, [1.0],
                                 default='pretrained3')[1] == 'pretrained3'
    exact = dict(same, theta=actual)
    assert combination.choose_on(actual + 1, exact, actual, [1.0],
                                 default='pretrained3')[1] == 'theta'
    # A yearly table: the note names the default; saved with the pretrained
    # network as a partner, it is forecast by `pred` (the partner read
    # again from the rows).
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({'y': 100 * np.exp(np.cumsum(
        rng.normal(0.02, 0.05, 40)))}, index=pd.date_range(
            '1980-01-01', periods=40, freq='YS'))
    result = lc.fit_auto(frame, epochs=1, ensemble=1, n_units=4)
    assert result.settings.season is None
    assert 'the mean of the pretrained network, Theta and damped ES unless' \
        in ' '.join(result.notes)
    path = tmp_path / 'yearly.csv'
    frame.rename_axis('year').reset_index().to_csv(path, index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(path), '--time-column', 'year', '--out', out,
                 '--epochs', '1', '--n-units', '4', '--ensemble', '1',
                 '--combine', 'pretrained3']) == 0
    model = lc.load_model(out)
    assert set(model.combination) == {'pretrained', 'theta', 'damped'}
    assert main(['pred', out, '--steps', '3']) == 0
    assert np.isfinite(lc.forecast(model, frame, 3)['y']).all()


def test_cli_forecast_writes_wide_and_long_tables(tmp_path, capsys):
    frame = monthly(60)
    frame.index.name = 'month'
    path = tmp_path / 'one.csv'
    frame.to_csv(path)
    out = tmp_path / 'wide'
    assert main(['forecast', str(path), '--time-column', 'month', '--steps',
                 '6', '--out', str(out), '--levels', '80']) == 0
    table = pd.read_csv(out / 'forecast.csv', index_col=0)
    assert list(table.columns) == ['sales', 'sales_lower_80',
                                   'sales_upper_80']
    assert len(table) == 6 and (out / 'forecast.png').is_file()
    assert 'forecast 6 steps by the pretrained network' in \
        capsys.readouterr().out
    rows = []
    for k in range(5):
        part = monthly(50 + k, seed=k).reset_index()
        part.columns = ['month', 'sales']
        part.insert(0, 'store', 'store{}'.format(k))
        rows.append(part)
    long_path = tmp_path / 'many.csv.gz'
    pd.concat(rows).to_csv(long_path, index=False)
    out = tmp_path / 'long'
    assert main(['forecast', str(long_path), '--id-column', 'store',
                 '--time-column', 'month', '--out', str(out), '-q']) == 0
    table = pd.read_csv(out / 'forecast.csv')
    assert list(table['store'].unique()) == ['store{}'.format(k)
                                             for k in range(5)]
    assert len(table) == 5 * 18  # monthly: 18 steps by default


def test_cli_forecasts_a_table_with_a_trained_global_model(tmp_path,
                                                           capsys):
    frame = monthly(48).assign(other=lambda f: f['sales'] * 0.5)
    lc.fit_global(frame, horizon=6, epochs=1, ensemble=1, refit=False,
                  out=str(tmp_path / 'model'))
    path = tmp_path / 'wide.csv'
    frame.to_csv(path, index_label='month')
    out = tmp_path / 'f'
    assert main(['forecast', str(path), '--time-column', 'month', '--model',
                 str(tmp_path / 'model'), '--out', str(out), '-q']) == 0
    table = pd.read_csv(out / 'forecast.csv', index_col=0)
    assert list(table.columns) == ['sales', 'other'] and len(table) == 6
    assert table.index[0] == '2014-01-01'
    capsys.readouterr()
    # A long file without --id-column is many series: refused, not read
    # as one interleaved column.
    long = pd.concat([frame.assign(store=s) for s in 'ab'])
    long.to_csv(tmp_path / 'long.csv', index_label='month')
    lc.fit_global(lc.read_long(str(tmp_path / 'long.csv'), 'store', 'month'),
                  horizon=6, epochs=1, ensemble=1, refit=False,
                  out=str(tmp_path / 'long-model'))
    assert main(['forecast', str(tmp_path / 'long.csv'), '--model',
                 str(tmp_path / 'long-model'), '--out',
                 str(tmp_path / 'g')]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "many series (the file has its id column 'store')" in error
    assert error.endswith('give --id-column')
    assert not (tmp_path / 'g').exists()
    # That model reads two targets: a table is no collection of its own.
    assert main(['forecast', str(path), '--time-column', 'month', '--model',
                 str(tmp_path / 'long-model'), '--out',
                 str(tmp_path / 'g')]) == 2
    assert 'or a table where it reads one target' in capsys.readouterr().err
    assert not (tmp_path / 'g').exists()


@pytest.mark.parametrize('args, message', [
    (['--steps', '0'], 'must be >= 1'),
    (['--columns', 'nope'], 'nope'),
    (['--model', 'missing-dir'], 'missing-dir'),
])
def test_cli_forecast_refuses_bad_input_writing_nothing(tmp_path, capsys,
                                                        args, message):
    path = tmp_path / 'one.csv'
    monthly(30).to_csv(path, index_label='month')
    out = tmp_path / 'out'
    assert main(['forecast', str(path), '--time-column', 'month', '--out',
                 str(out)] + args) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error
    assert not out.exists() or not os.listdir(out)
