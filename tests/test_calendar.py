import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main
from lstm_chainer.forecasting.preprocessing import calendar_features


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
            '--epochs', '1', '--n-units', '8', '--ensemble', '1',
            '--transform', 'diff']
    assert main(args + ['--calendar', 'month', '--quiet']) == 0
    assert lc.load_model(out).record.calendar == ['month']
    assert main(['pred', out, '--steps', '3', '--quiet']) == 0
    capsys.readouterr()
    assert main(args + ['--calendar', 'hour']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'the hour feature needs' in err
    assert main(args) == 2  # the directory holds a calendar model
    assert 'calendar' in capsys.readouterr().err


def test_calendar_beside_a_seasonal_difference_is_left_out(tmp_path,
                                                          capsys):
    index = pd.date_range('2010-01-01', periods=40, freq='D')
    assert calendar_features.repeating(index, ['dayofweek', 'month'],
                                       7) == ['dayofweek']
    path = tmp_path / 'm.csv'
    monthly().to_csv(path)
    out = str(tmp_path / 'model')
    assert main(['train', str(path), '--out', out, '--time-column', 'month',
                 '--epochs', '1', '--n-units', '8', '--ensemble', '1',
                 '--transform', 'seasonal-diff', '--calendar', 'month']) == 0
    assert 'note: calendar month left out: every column is seasonally ' \
        'differenced (12 rows)' in capsys.readouterr().out
    assert lc.load_model(out).record.calendar in (None, [])


def with_price(n=144):
    frame = monthly(n)
    rng = np.random.RandomState(1)
    frame['price'] = 5 + rng.rand(n).round(1)
    frame['sales'] -= 3 * frame['price']  # demand falls with the price
    return frame


@pytest.fixture
def covariate_model(tmp_path):
    path = tmp_path / 'sales.csv'
    with_price().iloc[:132].to_csv(path)
    out = str(tmp_path / 'model')
    assert main(['train', str(path), '--out', out, '--time-column', 'month',
                 '--covariates', 'price', '--calendar', 'month', '--epochs',
                 '2', '--n-units', '8', '--ensemble', '1', '--quiet']) == 0
    return out


def test_cli_covariates_need_their_future(covariate_model, tmp_path, capsys):
    out = covariate_model
    record = lc.load_model(out).record
    assert record.columns == ['sales'] and record.covariates == ['price']
    assert main(['valid', out, '--quiet']) == 0
    capsys.readouterr()
    assert main(['pred', out, '--steps', '3']) == 2
    assert "reads the covariate(s) 'price': pass --future" in \
        capsys.readouterr().err
    future = with_price().iloc[132:135][['price']]
    good = tmp_path / 'future.csv'
    future.to_csv(good)
    assert main(['pred', out, '--steps', '3', '--future', str(good),
                 '--quiet']) == 0
    capsys.readouterr()
    written = pd.read_csv(f'{out}/forecast.csv', index_col=0)
    assert list(written.columns[:1]) == ['sales'] and len(written) == 3


@pytest.mark.parametrize('edit,message', [
    (lambda f: f.rename(columns={'price': 'cost'}),
     "future.csv: unknown column(s) 'price' (the file has 'cost')"),
    (lambda f: f.iloc[1:], 'must continue the history: 3 rows from '
     '2021-01-01 00:00:00 every step, got 2 rows from 2021-02-01'),
    (lambda f: f.assign(price=[5.0, np.nan, 5.0]),
     "1 empty or NaN cell(s), first at row 3 column 'price'"),
])
def test_bad_future_files(covariate_model, tmp_path, capsys, edit, message):
    out = covariate_model
    future = edit(with_price().iloc[132:135][['price']])
    path = tmp_path / 'future.csv'
    future.to_csv(path)
    model_json = tmp_path / 'model' / 'model.json'
    before = model_json.read_text()
    code = main(['pred', out, '--steps', '3', '--future', str(path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert err.count('\n') == 1
    assert model_json.read_text() == before
    assert not (tmp_path / 'model' / 'forecast.csv').exists()


def test_library_forecast_with_covariates(tmp_path):
    frame = with_price()
    forecaster, _ = lc.fit_forecaster(
        frame.iloc[:120], 8, covariates=['price'], epoch=1, seq_len=10,
        support_len=4, seed=0, progress=False, print_report=False,
        out=str(tmp_path / 'm'))
    assert forecaster.data_columns == ['sales', 'price']
    future = frame.iloc[120:123][['price']]
    got = lc.forecast(forecaster, frame.iloc[:120], 3, future=future)
    assert list(got.columns) == ['sales'] and got.notna().all().all()
    with pytest.raises(ValueError, match="reads the covariate.*'price'"):
        lc.forecast(forecaster, frame.iloc[:120], 3)
    with pytest.raises(ValueError, match="future value of 'price' at "
                       '2020-02-01'):
        lc.forecast(forecaster, frame.iloc[:120], 3,
                    future=future.assign(price=[1.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="unknown covariate column.*'cost'"):
        lc.fit_forecaster(frame, 4, covariates=['cost'])
