import numpy as np
import pandas as pd
import pytest

from lstm_chainer import (
    Forecaster,
    LSTM_Iterator,
    Model,
    Scaler,
    forecast,
    load_model,
    pred,
    save_model,
    valid,
)


@pytest.fixture
def frame():
    t = np.arange(120)
    return pd.DataFrame(
        {'small': 0.01 * np.sin(t / 5), 'big': 5e4 + 1e4 * np.cos(t / 7)},
        index=pd.date_range('2024-01-01', periods=120, freq='h', name='t'))


@pytest.fixture
def forecaster(frame):
    np.random.seed(0)
    return Forecaster(Model(2, 2, 8), Scaler.fit(frame.iloc[:90]), pred=1)


def test_scaler_round_trip_and_constant_column():
    data = pd.DataFrame({'a': [1.0, 2.0, 3.0], 'flat': [7.0, 7.0, 7.0]})
    scaler = Scaler.fit(data)
    assert scaler.scale[1] == 1.0
    scaled = scaler.transform(data)
    assert np.isfinite(scaled.to_numpy()).all()
    pd.testing.assert_frame_equal(scaler.inverse_transform(scaled), data)
    again = Scaler.from_dict(scaler.to_dict())
    np.testing.assert_array_equal(again.mean, scaler.mean)
    assert again.columns == ['a', 'flat']


def test_valid_is_in_data_units(forecaster, frame):
    test = frame.iloc[90:]
    raw = valid(forecaster, LSTM_Iterator(test, seq_len=5, repeat=False))
    scaled = valid(forecaster.model, LSTM_Iterator(
        forecaster.scaler.transform(test), seq_len=5, repeat=False))
    np.testing.assert_allclose(
        raw[['small', 'big']].to_numpy(),
        scaled[['small', 'big']].to_numpy() * forecaster.scaler.scale,
        rtol=2e-3)
    np.testing.assert_allclose(raw['Total'], scaled['Total'], rtol=2e-3)


@pytest.mark.parametrize('fused', [False, True])
def test_pred_paths_agree_in_data_units(forecaster, frame, fused):
    got, _ = pred(forecaster, frame, 30, s=10, fused=fused)
    scaled, _ = pred(forecaster.model, forecaster.scaler.transform(frame), 30,
                     s=10)
    expected = forecaster.scaler.inverse_transform(scaled)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(),
                               rtol=1e-4, atol=1e-6)


def test_forecast_continues_the_time_axis(forecaster, frame):
    future = forecast(forecaster, frame, 6)
    assert list(future.index) == list(pd.date_range(
        '2024-01-06 00:00', periods=6, freq='h'))
    whole, _ = pred(forecaster, frame, len(frame) - 1 + 6, s=len(frame) - 1)
    np.testing.assert_allclose(future.to_numpy(), whole.iloc[-6:].to_numpy())


def test_save_and_load_round_trip(forecaster, frame, tmp_path):
    save_model(str(tmp_path), forecaster, columns=['small', 'big'], note=1)
    loaded = load_model(str(tmp_path))
    assert loaded.columns == ['small', 'big']
    assert loaded.meta['note'] == 1 and loaded.meta['chainer'] == '7.8.1'
    np.testing.assert_array_equal(pred(loaded, frame, 7)[0],
                                  pred(forecaster, frame, 7)[0])


def test_other_columns_are_refused(forecaster, frame):
    other = frame.rename(columns={'big': 'huge'})
    with pytest.raises(ValueError, match=r"has columns \['small', 'huge'\] but"):
        pred(forecaster, other, 3)
    with pytest.raises(ValueError, match='but the model was trained on'):
        valid(forecaster, LSTM_Iterator(other, seq_len=4, repeat=False))


def test_one_step_call_is_in_data_units(forecaster, frame):
    x = frame.to_numpy(np.float32)[:4]
    forecaster.reset_state()
    y = forecaster(x).array
    forecaster.reset_state()
    expected = forecaster.scaler.inverse_transform(forecaster.model(
        forecaster.scaler.transform(x).astype(np.float32)).array)
    np.testing.assert_allclose(y, expected, rtol=1e-4)
