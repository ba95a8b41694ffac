"""A global model's inputs beside its targets: static columns, calendar
features, covariates known ahead, and the future rows a forecast needs."""
import os

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main
from lstm_chainer.core.collection_iterator import CollectionIterator
from lstm_chainer.forecasting.preprocessing.collection_inputs import fit_inputs

HORIZON = 6


def promo_tables(n_series=16, seed=0, ahead=HORIZON):
    """Monthly sales lifted by 8 in promotion months (known ahead), a
    stronger season for toys than for food; and the promotions of the
    ``ahead`` months after every series."""
    rng = np.random.default_rng(seed)
    history, future = [], []
    for i in range(n_series):
        n = 40 + 2 * i
        months = pd.date_range('2012-01-01', periods=n + ahead, freq='MS')
        promo = (rng.random(n + ahead) < 0.3).astype(float)
        kind = 'toys' if i % 2 else 'food'
        swing = 4.0 if kind == 'toys' else 1.0
        sales = (30 + swing * np.sin(2 * np.pi * months.month / 12)
                 + 8 * promo + rng.normal(0, 0.5, n + ahead))
        name = 'p{:02d}'.format(i)
        history.append(pd.DataFrame({
            'product': name, 'month': months[:n], 'sales': sales[:n],
            'promo': promo[:n], 'kind': kind}))
        future.append(pd.DataFrame({'product': name, 'month': months[n:],
                                    'promo': promo[n:]}))
    return (pd.concat(history, ignore_index=True),
            pd.concat(future, ignore_index=True))


def collection(frame):
    return lc.from_long(frame, 'product', 'month', ['sales'],
                        covariates=['promo'], static=['kind'])


def test_from_long_keeps_covariates_and_static_columns_per_series():
    frame, _ = promo_tables(4)
    c = collection(frame)
    assert c.columns == ['sales'] and c.covariate_columns == ['promo']
    assert list(c.static['kind']) == ['food', 'toys', 'food', 'toys']
    np.testing.assert_array_equal(
        c.covariates[c.offsets[1]:c.offsets[2], 0],
        frame.loc[frame['product'] == 'p01', 'promo'])
    part = c.select([3, 0]).head(5)
    assert list(part.static['kind']) == ['toys', 'food']
    np.testing.assert_array_equal(part.covariates[:, 0], np.concatenate([
        c.covariates[c.offsets[3]:c.offsets[4] - 5, 0],
        c.covariates[:c.offsets[1] - 5, 0]]))
    back = c.to_frame()
    assert set(back.columns) == {'product', 'month', 'sales', 'promo', 'kind'}
    assert (back['kind'] == frame['kind']).all()
    # Times of all series at once, past their ends too.
    times = c.times(c.lengths, 2)
    assert times[0] == c.future_index(0, 1)[0]
    assert times[3] == c.future_index(1, 2)[1]


def test_from_long_names_a_static_column_that_changes():
    frame, _ = promo_tables(4)
    frame.loc[50, 'kind'] = 'games'
    with pytest.raises(ValueError, match="series 'p01': static column 'kind' "
                       "changes from 'toys' to 'games' \\(row 50\\)"):
        collection(frame)
    with pytest.raises(ValueError, match="'promo' is given twice"):
        lc.from_long(frame, 'product', 'month', ['sales', 'promo'],
                     covariates=['promo'])


def test_each_step_reads_the_inputs_of_the_row_it_predicts():
    values = np.arange(30, dtype=np.float64)[:, None]
    inputs = 100 + np.arange(30, dtype=np.float64)[:, None]
    offsets = np.array([0, 30])
    it = CollectionIterator(values, offsets, batch_size=5, context=4,
                            horizon=3, anchor=False, seed=0, inputs=inputs)
    assert (it.n_features, it.n_targets) == (2, 1)
    xs, ts = it.next()
    assert xs.shape == (6, 5, 2) and ts.shape == (6, 5, 1)
    # Input step j reads row r and the inputs of row r + 1, whose value
    # is the target.
    np.testing.assert_array_equal(xs[:, :, 1], 100 + ts[:, :, 0])


def test_the_encoder_one_hots_static_columns_and_names_unseen_ones():
    frame, _ = promo_tables(4)
    c = collection(frame)
    encoder = fit_inputs(c, static=['kind'], calendar=['month'],
                         covariates=['promo'])
    assert encoder.width == 2 + 2 + 1
    rows = encoder.rows(c)
    assert rows.shape == (len(c.values), 5)
    assert (rows[:c.offsets[1], :2] == [1, 0]).all()  # food
    other = c.select([0])
    other.static = pd.DataFrame({'kind': ['garden']})
    assert encoder.unseen(other) == {'kind': ['garden']}
    np.testing.assert_array_equal(encoder.rows(other)[:, :2], 0.0)
    state = encoder.to_dict()
    assert type(encoder).from_dict(state) == encoder
    with pytest.raises(ValueError, match='the hour feature needs a time step'):
        fit_inputs(c, calendar=['hour'])
    with pytest.raises(ValueError, match="no static column 'shop'"):
        fit_inputs(c, static=['shop'])
    plain = lc.Collection.from_series([np.arange(10.0)])
    with pytest.raises(ValueError, match='calendar features need a time'):
        fit_inputs(plain, calendar=['month'])


@pytest.fixture(scope='module')
def promo_models():
    frame, future = promo_tables()
    c = collection(frame)
    common = dict(horizon=HORIZON, context=12, ensemble=1, batch_size=64,
                  iterations=300, combine='none', seed=1)
    with_inputs = lc.fit_global(c, refit=False, covariates=['promo'],
                                static=['kind'], calendar=['month'],
                                **common)
    without = lc.fit_global(c, refit=False, **common)
    return c, future, with_inputs, without


def test_a_known_covariate_is_used(promo_models):
    c, future, with_inputs, without = promo_models
    score = {name: r.backtest.summary().loc['model', 'MASE']
             for name, r in (('with', with_inputs), ('without', without))}
    # The promotions (a third of the months, +8 where noise is 0.5) are
    # what the targets alone cannot foresee.
    assert score['with'] < 0.6 * score['without']
    assert score['with'] < with_inputs.backtest.summary().loc[
        'seasonal_naive', 'MASE']


def test_a_forecast_needs_the_future_rows_of_every_series(promo_models,
                                                          tmp_path):
    c, future, model, _ = promo_models
    known = lc.from_long(future, 'product', 'month', ['promo'])
    forecaster = model.forecaster
    f = forecaster.forecast(c, future=known)
    assert f.shape == (HORIZON, len(c), 1) and np.isfinite(f).all()
    forecaster.save(str(tmp_path))
    loaded = lc.load_global(str(tmp_path))
    np.testing.assert_allclose(loaded.forecast(c, future=known), f,
                               rtol=1e-6)
    with pytest.raises(ValueError, match='reads covariates \\(promo\\)'):
        forecaster.forecast(c)
    missing = lc.from_long(future[future['product'] != 'p03'], 'product',
                           'month', ['promo'])
    with pytest.raises(ValueError, match="no series 'p03'"):
        forecaster.forecast(c, future=missing)
    with pytest.raises(ValueError, match="series 'p00': the future rows stop "
                       "after 6 row\\(s\\); the forecast needs 7"):
        forecaster.forecast(c, HORIZON + 1, future=known)
    late = lc.from_long(future.groupby('product').tail(HORIZON - 1),
                        'product', 'month', ['promo'])
    with pytest.raises(ValueError, match="series 'p00': the future rows start "
                       "at 2015-06-01; the forecast needs them from "
                       "2015-05-01"):
        forecaster.forecast(c, 2, future=late)


def test_cli_reads_inputs_and_refuses_a_forecast_without_them(tmp_path,
                                                               capsys):
    frame, future = promo_tables(8)
    data, ahead = tmp_path / 'long.csv', tmp_path / 'future.csv'
    frame.to_csv(data, index=False)
    future.to_csv(ahead, index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(data), '--id-column', 'product',
                 '--time-column', 'month', '--columns', 'sales',
                 '--covariates', 'promo', '--static', 'kind', '--calendar',
                 'month', '--horizon', str(HORIZON), '--ensemble', '1',
                 '--epochs', '100', '--out', out, '-q']) == 0
    capsys.readouterr()
    before = sorted(os.listdir(out))
    assert main(['pred', out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pass --future' in err[0]
    future[future['product'] != 'p05'].to_csv(ahead, index=False)
    assert main(['pred', out, '--future', str(ahead)]) == 2
    assert "no series 'p05'" in capsys.readouterr().err
    assert sorted(os.listdir(out)) == before
    future.to_csv(ahead, index=False)
    assert main(['pred', out, '--future', str(ahead), '-q']) == 0
    forecast = pd.read_csv(os.path.join(out, 'forecast.csv'))
    assert len(forecast) == 8 * HORIZON
    assert main(['valid', out, '-q']) == 0
    assert main(['train', str(data), '--static', 'kind', '--out',
                 str(tmp_path / 'x')]) == 2
    assert 'static columns need many series' in capsys.readouterr().err


def test_the_log_transform_is_a_setting_not_the_log_callback():
    c = lc.Collection.from_series([50 + np.arange(30.0)] * 3, ids='abc')
    result = lc.fit_global(c, refit=False, horizon=4, ensemble=1,
                           iterations=5, log_transform=False)
    assert result.settings.log_transform is False
    with pytest.raises(ValueError, match='the log transform is '
                       'log_transform='):
        lc.fit_global(c, refit=False, horizon=4, log=False)


def test_the_model_reads_its_own_covariates_by_name(promo_models):
    c, future, model, _ = promo_models
    frame, _ = promo_tables()
    frame['other'] = 1.0
    wider = lc.from_long(frame, 'product', 'month', ['sales'],
                         covariates=['other', 'promo'], static=['kind'])
    known = lc.from_long(future, 'product', 'month', ['promo'])
    forecaster = model.forecaster
    np.testing.assert_allclose(forecaster.forecast(wider, future=known),
                               forecaster.forecast(c, future=known))
    plain = lc.from_long(frame, 'product', 'month', ['sales'])
    with pytest.raises(ValueError, match="reads static column 'kind'; the "
                       "series have none"):
        forecaster.forecast(plain, future=known)
    with pytest.raises(ValueError, match="reads covariate 'promo'"):
        backtest = lc.backtest_collection
        backtest(forecaster, lc.from_long(frame, 'product', 'month',
                                          ['sales'], static=['kind']))


def test_a_one_step_future_file_is_read_at_the_model_step(tmp_path,
                                                           capsys):
    frame, future = promo_tables(6, ahead=1)
    data, ahead = tmp_path / 'long.csv', tmp_path / 'future.csv'
    frame['kind'] = np.where(frame['product'] == 'p00', 'garden',
                             frame['kind'])
    frame[frame['product'] != 'p00'].to_csv(data, index=False)
    future.to_csv(ahead, index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(data), '--id-column', 'product',
                 '--time-column', 'month', '--columns', 'sales',
                 '--covariates', 'promo', '--static', 'kind', '--horizon',
                 '1', '--ensemble', '1', '--epochs', '20', '--out', out,
                 '-q']) == 0
    frame.to_csv(data, index=False)  # p00, of a kind never seen, added
    assert main(['pred', out, '--future', str(ahead), '--data',
                 str(data)]) == 0
    said = capsys.readouterr().out
    assert 'note: 1 kind never seen in training: garden' in said
    assert len(pd.read_csv(os.path.join(out, 'forecast.csv'))) == 6


def test_a_record_of_0_5_still_loads(promo_models, tmp_path):
    import json
    c, future, _, without = promo_models
    without.forecaster.save(str(tmp_path))
    path = tmp_path / 'model.json'
    doc = json.loads(path.read_text())
    doc['format'] = 1
    del doc['inputs']
    settings = doc['settings']
    settings['log'] = settings.pop('log_transform')
    for name in ('static', 'calendar', 'covariates'):
        del settings[name]
    path.write_text(json.dumps(doc))
    loaded = lc.load_global(str(tmp_path))
    assert loaded.settings.log_transform is True
    np.testing.assert_allclose(loaded.forecast(c),
                               without.forecaster.forecast(c), rtol=1e-6)
