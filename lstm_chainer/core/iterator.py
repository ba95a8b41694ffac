"""Time-continuous window iterator over one multivariate series."""
import chainer
import numpy as np

from lstm_chainer._checks import as_series, check_int
from lstm_chainer._random import serialize_random


class EpochIterator(chainer.dataset.Iterator):
    """What every training iterator here keeps: the iteration and epoch
    counts, the previous epoch detail, a random stream (``_random``), and
    their snapshot."""

    def reset(self):
        """Rewinds to the first batch (the random stream is not rewound)."""
        self.iteration = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._previous_epoch_detail = -1.

    @property
    def previous_epoch_detail(self):
        """float: :attr:`epoch_detail` before the last ``next()``."""
        if self._previous_epoch_detail < 0:
            return None
        return self._previous_epoch_detail

    def serialize(self, serializer):
        """Saves or restores the position and the random stream."""
        self.iteration = serializer('iteration', self.iteration)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        self._previous_epoch_detail = serializer(
            'previous_epoch_detail', self._previous_epoch_detail)
        serialize_random(serializer['random'], self._random)


class LSTM_Iterator(EpochIterator):
    """Yields batches of time windows, time-major, one batch per iteration.

    A window starting at ``offset`` has inputs ``data[offset + i]`` and
    targets ``data[offset + i + pred]`` for ``i`` in ``0 .. seq_len - 1``;
    valid offsets are ``0 .. n - seq_len - pred``, so the last sample of the
    series is a target. Each ``next()`` returns ``(xs, ts)``, both of shape
    ``(seq_len, batch, n_features)``.

    With ``repeat=True`` (training), every batch holds ``batch_size`` random
    offsets and one epoch is ``n / batch_size`` iterations, as in the article.
    With ``repeat=False`` (validation), every window is yielded exactly once,
    in order and in batches of ``batch_size``, then ``StopIteration``.

    Args:
        dataset: 2-D array ``(time, variables)`` or a ``pandas.DataFrame``.
        batch_size (int): Windows per batch.
        seq_len (int): Time steps per window.
        support_len (int): Steps fed with ground truth; read by
            :class:`LSTM_updater` (kept here as in the article).
        repeat (bool): Random windows forever, or every window once.
        pred (int): How far ahead the target lies.
        seed (int): Seed of the random offsets (``None``: from the OS).
        shard (tuple): ``(index, count)``: with ``repeat=False``, yield only
            the ``index``-th of ``count`` contiguous parts of the windows
            (one part per process under MPI).
        n_targets (int): Targets are the first ``n_targets`` columns (the
            rest are covariates, inputs only); default every column.

    Attributes:
        columns (list): Column names of a DataFrame, else ``None``.
        n_features (int): Number of variables (inputs).
        n_targets (int): Number of target variables.
        n_windows (int): Number of distinct windows.
    """

    def __init__(self, dataset, batch_size=10, seq_len=10, support_len=10,
                 repeat=True, pred=1, seed=None, shard=None, n_targets=None):
        data, self.columns = as_series('dataset', dataset)
        self.batch_size = check_int('batch_size', batch_size, 1)
        self.seq_len = check_int('seq_len', seq_len, 1)
        # An int, or a schedule (lstm_chainer.core.schedules) for the updater.
        self.support_len = support_len if callable(support_len) \
            else check_int('support_len', support_len, 0)
        self.pred = check_int('pred', pred, 1)
        n = len(data)
        if self.seq_len + self.pred > n:
            raise ValueError(
                'seq_len + pred ({} + {}) must not exceed the length of the '
                'dataset ({})'.format(self.seq_len, self.pred, n))
        self.dataset = data
        self.repeat = bool(repeat)
        self.nsamples, self.n_features = data.shape
        self.n_targets = self.n_features if n_targets is None else check_int(
            'n_targets', n_targets, 1)
        if self.n_targets > self.n_features:
            raise ValueError('n_targets ({}) exceeds the {} columns'.format(
                self.n_targets, self.n_features))
        self.n_windows = n - self.seq_len - self.pred + 1
        self._window_ids = np.arange(self.n_windows)
        if shard is not None:
            if self.repeat:
                raise ValueError('shard needs repeat=False')
            index, count = shard
            if not 0 <= index < count:
                raise ValueError('shard index {} is not in [0, {})'.format(
                    index, count))
            self._window_ids = np.array_split(self._window_ids, count)[index]
        self._steps = np.arange(self.seq_len)[:, None]
        self._random = np.random.RandomState(seed)
        self.reset()

    @property
    def seq_length(self):
        """int: The article's name for :attr:`seq_len`."""
        return self.seq_len


    @property
    def epoch_detail(self):
        """float: Epochs done, fractional."""
        if self.repeat:
            return self.iteration * self.batch_size / self.nsamples
        size = len(self._window_ids)
        if size == 0:
            return float(self.iteration > 0)
        return min(self.iteration * self.batch_size, size) / size


    def __next__(self):
        if not self.repeat and (self.epoch > 0 or not len(self._window_ids)):
            self.epoch = 1
            raise StopIteration
        self._previous_epoch_detail = self.epoch_detail
        if self.repeat:
            offsets = self._random.randint(0, self.n_windows,
                                           size=self.batch_size)
        else:
            start = self.iteration * self.batch_size
            offsets = self._window_ids[start:start + self.batch_size]
        self.offsets = offsets
        self.iteration += 1
        epoch = int(self.epoch_detail)
        self.is_new_epoch = epoch > self.epoch
        self.epoch = epoch
        return self.get_windows(offsets)

    next = __next__

    def get_windows(self, offsets):
        """Gathers the windows that start at ``offsets``.

        Args:
            offsets (numpy.ndarray): 1-D integer start positions.

        Returns:
            tuple: ``(xs, ts)``, each ``(seq_len, len(offsets), n_features)``.
        """
        index = self._steps + offsets[None, :]
        targets = self.dataset[index + self.pred]
        if self.n_targets < self.n_features:
            targets = targets[..., :self.n_targets]
        return self.dataset[index], targets

