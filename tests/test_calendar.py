import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer import calendar_features
from lstm_chainer.cli import main


def test_features_are_sine_cosine_pairs():
    index = pd.date_range('2024-01-01', periods=14, freq='MS')
    frame = calendar_features.features(index, ['month'])
    assert list(frame.columns) == ['month_sin', 'month_cos']
    np.testing.assert_allclose(frame.iloc[0], [0, 1], atol=1e-12)
    np.testing.assert_allclose(frame.iloc[12], frame.iloc[0], atol=1e-12)
    np.testing.assert_allclose(frame.iloc[3], [1, 0], atol=1e-12)
    with pytest.raises(ValueError, match='the hour feature needs a time '
                       'step of at most'):
        calendar_features.features(index, ['hour'])
    with pytest.raises(ValueError, match="unknown calendar feature.*'week'"):
        calendar_features.parse('month,week')
    with pytest.raises(ValueError, match='need a time column'):
        calendar_features.features(pd.RangeIndex(3), ['month'])


def monthly(n=144):
    t = np.arange(n)
    rng = np.random.RandomState(0)
    return pd.DataFrame(
        {'sales': 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12)
         + rng.randn(n)},
        index=pd.date_range('2010-01-01', periods=n, freq='MS', name='month'))


def test_forecaster_with_calendar_saves_loads_and_forecasts(tmp_path):
    frame = monthly()
    forecaster, _ = lc.fit_forecaster(
        frame.iloc[:108], 8, lc.Transformer(['diff'], columns=['sales']),
        calendar=['month'], epoch=2, seq_len=12, support_len=5, seed=0,
        progress=False, print_report=False, out=str(tmp_path / 't'))
    assert forecaster.model.n_input == 3 and forecaster.columns == ['sales']
    result = lc.backtest(forecaster, frame, 6, start=107)  # all history
    expected, _ = lc.pred(forecaster, frame.iloc[:120 + 6],
                          120 + 6 - 1, s=119)  # the origin at row 119
    b = list(result.origins).index(119)
    np.testing.assert_allclose(result.forecasts['model'][:, b, 0],
                               expected['sales'].to_numpy()[119:125],
                               rtol=1e-5)
    lc.save_model(str(tmp_path / 'm'), forecaster, columns=['sales'])
    loaded = lc.load_model(str(tmp_path / 'm'))
    assert loaded.calendar == ['month']
    future = lc.forecast(loaded, frame, 5)
    assert list(future.columns) == ['sales']
    assert future.index[0] == pd.Timestamp('2022-01-01')
    np.testing.assert_allclose(future, lc.forecast(forecaster, frame, 5))


def test_cli_calendar(tmp_path, capsys):
    path = tmp_path / 'm.csv'
    monthly().to_csv(path)
    out = str(tmp_path / 'model')
    args = ['train', str(path), '--out', out, '--time-column', 'month',
            '--epochs', '1', '--n-units', '8', '--ensemble', '1']
    assert main(args + ['--calendar', 'month', '--quiet']) == 0
    assert lc.load_model(out).record.calendar == ['month']
    assert main(['pred', out, '--steps', '3', '--quiet']) == 0
    capsys.readouterr()
    assert main(args + ['--calendar', 'hour']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'the hour feature needs' in err
    assert main(args) == 2  # the directory holds a calendar model
    assert 'calendar' in capsys.readouterr().err
