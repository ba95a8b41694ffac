import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main
from lstm_chainer.forecasting.classical import ets as classical

pytest.importorskip('statsmodels')


def seasonal(n=96, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.randn(n)


def test_ets_is_chosen_by_aicc_and_forecasts_as_statsmodels_does():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    y = seasonal()
    form, params = classical.fit_ets(y[:72], season=12)
    assert form.get('seasonal') in ('add', 'mul')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        own = ETSModel(y[:72], error='add', **form).fit(disp=False)
    ours = classical.ets_forecasts(y[:, None], [71, 80], 6, 12, 72)
    np.testing.assert_allclose(ours[:, 0, 0], own.forecast(6), rtol=1e-10)
    # Later origins run the same model over more history.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        later = ETSModel(y[:81], error='add', **form).smooth(params)
    np.testing.assert_allclose(ours[:, 1, 0], later.forecast(6), rtol=1e-10)
    # No season: no seasonal form is tried.
    assert all('seasonal' not in f for f in classical.ets_forms(y, None))


def test_theta_forecasts_as_statsmodels_does():
    from statsmodels.tsa.forecasting.theta import ThetaModel

    from lstm_chainer.forecasting.classical.theta import theta_forecast
    rng = np.random.RandomState(4)
    t = np.arange(80.0)
    cases = [(seasonal(), 12), (seasonal() - 200, 12),  # additive: negative
             (20 + 0.2 * t + np.cumsum(rng.randn(80)), None),
             (np.exp(0.01 * t) * (10 + 3 * np.sin(2 * np.pi * t / 4))
              + 0.2 * rng.randn(80), 4)]
    for y, season in cases:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            own = ThetaModel(y, period=season, deseasonalize=bool(season)) \
                .fit().forecast(9)
        # The smoothing weight is searched on grids, statsmodels' by
        # L-BFGS-B: the same minimum to about 1e-5.
        np.testing.assert_allclose(theta_forecast(y, 9, season), own,
                                   rtol=2e-4)


def test_fit_auto_scores_ets_and_theta_and_the_verdict_names_them():
    index = pd.date_range('2010-01-01', periods=96, freq='MS')
    data = pd.DataFrame({'sales': seasonal()}, index=index)
    result = lc.fit_auto(data, epochs=1, n_units=4, ensemble=1,
                         classical=True)
    mase = result.backtest.summary()['MASE']
    assert {'ets', 'theta'} <= set(mase.index)
    line = result.summary()
    best = mase.drop('model').idxmin()
    shown = {'ets': 'ETS', 'theta': 'Theta'}.get(best, best.replace('_', ' '))
    # Every outcome has its words: a better baseline, the beaten classical
    # ones, or the loss to persistence.
    if mase[best] < mase['model']:
        expected = ['{} does better still'.format(shown)]
    elif mase['model'] < mase['naive']:
        expected = ['ETS (', 'Theta (']
    else:
        expected = ['LOSES to naive']
    assert all(words in line for words in expected), line
    again = lc.backtest_saved(result.validated, data,
                              test_rows=result.validated.meta['data'][
                                  'test_rows'])
    pd.testing.assert_frame_equal(again.metrics, result.backtest.metrics)


def test_without_statsmodels_the_option_says_what_to_install(monkeypatch,
                                                             tmp_path,
                                                             capsys):
    monkeypatch.setitem(sys.modules, 'statsmodels', None)
    with pytest.raises(ValueError, match='needs statsmodels: pip install'):
        classical.require()
    path = tmp_path / 'd.csv'
    pd.DataFrame({'t': pd.date_range('2010-01-01', periods=96, freq='MS'),
                  'y': seasonal()}).to_csv(path, index=False)
    assert main(['train', str(path), '--out', str(tmp_path / 'm'),
                 '--time-column', 't', '--classical']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'pip install statsmodels' in err
    assert not (tmp_path / 'm').exists()
