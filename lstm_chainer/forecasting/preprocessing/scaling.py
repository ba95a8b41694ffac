"""Per-column standardisation fitted on training data only."""
import numpy as np
import pandas as pd

from lstm_chainer._checks import as_series


class Scaler:
    """Standardises each column: ``(x - mean) / scale``.

    A constant column gets ``scale = 1`` so nothing divides by zero.

    Args:
        mean (array-like): Per-column mean.
        scale (array-like): Per-column standard deviation (positive).
        columns (list): Column names, or ``None``.
    """

    def __init__(self, mean, scale, columns=None):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.columns = None if columns is None else list(columns)

    @classmethod
    def fit(cls, data):
        """Fits the statistics of ``data`` (array or DataFrame).

        Returns:
            Scaler: The fitted scaler.
        """
        array, columns = as_series('data', data, dtype=np.float64)
        with np.errstate(over='ignore', invalid='ignore'):
            # Values near the float64 limit overflow here; callers check
            # that the statistics are finite.
            scale = array.std(axis=0)
            mean = array.mean(axis=0)
        tiny = 1e-12 * np.maximum(1, np.abs(array).max(axis=0))
        scale[np.isfinite(scale) & ~(scale > tiny)] = 1
        return cls(mean, scale, columns)

    def _apply(self, data, fn):
        if isinstance(data, pd.DataFrame):
            return pd.DataFrame(fn(data.to_numpy(np.float64)),
                                index=data.index, columns=data.columns)
        return fn(np.asarray(data, dtype=np.float64))

    def transform(self, data):
        """Data units -> standardised units (DataFrames keep their index)."""
        return self._apply(data, lambda a: (a - self.mean) / self.scale)

    def inverse_transform(self, data):
        """Standardised units -> data units (DataFrames keep their index);
        data narrower than the scaler are its leading columns (a model's
        outputs)."""
        def inverse(a):
            k = a.shape[-1]
            return a * self.scale[:k] + self.mean[:k]
        return self._apply(data, inverse)

    def to_dict(self):
        """dict: JSON-ready statistics."""
        return {'mean': self.mean.tolist(), 'scale': self.scale.tolist(),
                'columns': self.columns}

    @classmethod
    def from_dict(cls, state):
        """Rebuilds a scaler from :meth:`to_dict` output."""
        return cls(state['mean'], state['scale'], state.get('columns'))
