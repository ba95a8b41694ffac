"""Reference forecasts to judge a model against."""
import chainer
import numpy as np

from lstm_chainer._checks import as_series, check_int


def persistence_squared_errors(iterator, s=0):
    """Squared-error sums of the persistence forecast, window by window.

    Persistence repeats the last value known: at step ``i`` of a window
    the last ground-truth input is ``xs[min(i, s)]``, and that is the
    forecast of the target ``ts[i]``. Same layout as
    :func:`lstm_chainer.recursive_squared_errors`.

    Args:
        iterator (LSTM_Iterator): Non-repeating iterator; it is reset first.
        s (int): Last step fed with ground truth.

    Returns:
        tuple: ``(sse, count)``, ``sse`` of shape ``(seq_len, n_features)``.
    """
    s = check_int('s', s, 0)
    if iterator.repeat:
        raise ValueError('iterator must have repeat=False, got repeat=True')
    iterator.reset()
    sse = np.zeros((iterator.seq_len, iterator.n_targets))
    count = 0
    known = np.minimum(np.arange(iterator.seq_len), s)
    for xs, ts in iterator:
        err = xs[known, :, :ts.shape[-1]].astype(np.float64) - ts
        sse += (err * err).sum(axis=1)
        count += xs.shape[1]
    return sse, count


class LinearAR(chainer.Link):
    """Linear autoregression fitted by least squares, used like a Model.

    ``x[t+1] = b + sum_k A_k x[t-k]`` for ``k < order``, on all variables at
    once. One call is one time step (it keeps the last ``order`` inputs as
    its state), so ``valid``, ``pred`` and ``forecast_windows`` take it like
    the LSTM. Until ``order`` inputs have been seen, the missing past
    repeats the first input.

    Args:
        order (int): Number of past values used.
        n_features (int): Number of variables.
    """

    def __init__(self, order, n_features):
        super().__init__()
        self.order = check_int('order', order, 1)
        self.n_features = check_int('n_features', n_features, 1)
        self.add_persistent('coef', np.zeros(
            (self.order * self.n_features + 1, self.n_features), np.float64))
        self.reset_state()

    def fit(self, data):
        """Least-squares fit on a series (array or DataFrame).

        Returns:
            LinearAR: ``self``.
        """
        array, _ = as_series('data', data, dtype=np.float64)
        p, n = self.order, len(array)
        if n <= p:
            raise ValueError('data has {} rows; order {} needs more'.format(
                n, p))
        lags = [array[p - 1 - k:n - 1 - k] for k in range(p)]
        design = np.concatenate(lags + [np.ones((n - p, 1))], axis=1)
        self.coef, *_ = np.linalg.lstsq(design, array[p:], rcond=None)
        return self

    def reset_state(self):
        """Forgets the past inputs."""
        self.history = None

    def forward(self, x):
        """One step: ``(batch, n) -> (batch, n)`` next values."""
        x = getattr(x, 'array', x)
        xp = chainer.backend.get_array_module(x)
        x = x.astype(np.float64)
        if self.history is None:
            self.history = [x] * self.order
        else:
            self.history = [x] + self.history[:-1]
        design = xp.concatenate(self.history + [xp.ones((len(x), 1))], axis=1)
        return chainer.Variable((design @ xp.asarray(self.coef)).astype(
            np.float32))
