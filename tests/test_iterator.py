import chainer
import numpy as np
import pytest

from lstm_chainer import LSTM_Iterator


def test_windows_are_time_major_and_targets_shifted(ramp):
    it = LSTM_Iterator(ramp, batch_size=4, seq_len=5, pred=2, seed=0)
    xs, ts = it.next()
    assert xs.shape == ts.shape == (5, 4, 2)
    assert xs.dtype == np.float32
    offsets = xs[0, :, 0].astype(int)
    for i in range(5):
        np.testing.assert_array_equal(xs[i, :, 0], offsets + i)
        np.testing.assert_array_equal(ts[i, :, 0], offsets + i + 2)
    np.testing.assert_array_equal(it.offsets, offsets)


@pytest.mark.parametrize('seq_len,pred', [(5, 1), (7, 3), (29, 1), (1, 29)])
def test_repeat_false_yields_every_window_once(ramp, seq_len, pred):
    it = LSTM_Iterator(ramp, batch_size=4, seq_len=seq_len, pred=pred,
                       repeat=False)
    starts = np.concatenate([xs[0, :, 0] for xs, _ in it]).astype(int)
    n_windows = len(ramp) - seq_len - pred + 1
    np.testing.assert_array_equal(starts, np.arange(n_windows))
    assert it.n_windows == n_windows
    assert it.epoch == 1 and it.epoch_detail == 1.0
    with pytest.raises(StopIteration):
        it.next()


def test_last_sample_is_a_target(ramp):
    it = LSTM_Iterator(ramp, batch_size=100, seq_len=5, pred=1, repeat=False)
    _, ts = it.next()
    assert ts[-1, -1, 0] == len(ramp) - 1


def test_random_offsets_cover_all_windows(ramp):
    it = LSTM_Iterator(ramp, batch_size=50, seq_len=5, pred=1, seed=1)
    seen = set()
    for _ in range(20):
        seen.update(it.next()[0][0, :, 0].astype(int).tolist())
    assert seen == set(range(len(ramp) - 5 - 1 + 1))


def test_epoch_counts_samples_over_batch_size(ramp):
    # One epoch is n / batch_size iterations, as in the article (30 / 10).
    it = LSTM_Iterator(ramp, batch_size=10, seq_len=5, seed=0)
    flags = []
    for _ in range(6):
        it.next()
        flags.append(it.is_new_epoch)
    assert flags == [False, False, True, False, False, True]
    assert it.epoch == 2
    assert it.previous_epoch_detail == pytest.approx(5 / 3)
    assert it.epoch_detail == pytest.approx(2.0)


def test_reset_rewinds_repeat_false(ramp):
    it = LSTM_Iterator(ramp, batch_size=4, seq_len=5, repeat=False)
    first = [xs.copy() for xs, _ in it]
    it.reset()
    again = [xs for xs, _ in it]
    assert len(first) == len(again)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_serialize_round_trip_continues_identically(ramp, tmp_path):
    it = LSTM_Iterator(ramp, batch_size=3, seq_len=4, seed=5)
    for _ in range(7):
        it.next()
    path = str(tmp_path / 'it.npz')
    chainer.serializers.save_npz(path, it)
    expected = [it.next()[0] for _ in range(5)]
    state = (it.iteration, it.epoch, it.epoch_detail)

    other = LSTM_Iterator(ramp, batch_size=3, seq_len=4, seed=99)
    chainer.serializers.load_npz(path, other)
    assert other.iteration == 7
    got = [other.next()[0] for _ in range(5)]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    assert (other.iteration, other.epoch, other.epoch_detail) == state


def test_dataframe_columns_are_kept(series):
    it = LSTM_Iterator(series, seq_len=5)
    assert it.columns == ['a', 'b']
    assert it.n_features == 2
