"""How much ground truth a training window gets, as training progresses.

``support_len`` (the last step of a window fed with ground truth) may be a
fixed int or one of these schedules. Each maps the updater's progress
(iteration and epoch, which snapshots restore) to ``(support_len, p)``:
steps ``i <= support_len`` get ground truth, and each later step of each
window gets ground truth with probability ``p`` (else the model's own
previous prediction). The coin flips come from the updater's own random
stream, which is part of the snapshot, so resume stays exact.

When to use which:

* a fixed ``support_len`` below ``seq_len``: simple; fine when the series is
  easy (sine waves) and training is short.
* :class:`Curriculum`: starts fully teacher-forced (stable early training,
  good one-step accuracy) and hands over to the model's own predictions
  step by step; the usual choice for long horizons.
* :class:`ScheduledSampling` (Bengio et al., 2015): mixes truth and
  predictions at random with a decaying probability of truth; smoother
  than a curriculum when the model is slow to become stable on its own
  predictions (noisy or chaotic data).
"""
import math
from typing import Protocol, Union

from lstm_chainer._checks import check_int, check_positive


class Schedule(Protocol):
    """What :class:`~lstm_chainer.LSTM_updater` asks of a schedule.

    A schedule is called once per iteration with the updater (whose
    ``iteration`` and ``epoch_detail`` it may read) and returns
    ``(support_len, p)``. Its state must be derived from the updater's, so
    that snapshot and resume need nothing more.
    """

    def __call__(self, updater) -> tuple[int, float]:
        ...


SupportLen = Union[int, Schedule]


class Constant:
    """Always the same ``support_len``, no random truth afterwards."""

    def __init__(self, support_len):
        self.support_len = check_int('support_len', support_len, 0)

    def __call__(self, updater):
        return self.support_len, 0.0

    def __repr__(self):
        return 'Constant({})'.format(self.support_len)


class Curriculum:
    """Lowers ``support_len`` linearly from ``start`` to ``stop``.

    Args:
        start (int): ``support_len`` at epoch 0 (``>= seq_len - 1`` is fully
            teacher-forced).
        stop (int): ``support_len`` from epoch ``epochs`` on.
        epochs (float): Length of the hand-over, in epochs.
    """

    def __init__(self, start, stop=0, epochs=50):
        self.start = check_int('start', start, 0)
        self.stop = check_int('stop', stop, 0)
        self.epochs = check_positive('epochs', epochs)

    def __call__(self, updater):
        progress = min(1.0, updater.epoch_detail / self.epochs)
        return int(round(self.start + (self.stop - self.start) * progress)), 0.0

    def __repr__(self):
        return 'Curriculum(start={}, stop={}, epochs={:g})'.format(
            self.start, self.stop, self.epochs)


DECAYS = ('linear', 'exponential', 'inverse_sigmoid')


class ScheduledSampling:
    """Ground truth at fed-back steps with a probability that decays.

    With ``i`` the iteration, the probability of ground truth is
    ``max(minimum, eps(i))`` where ``eps`` is, by ``decay``:

    * ``'linear'``: ``1 - i / k`` (reaches 0 after ``k`` iterations);
    * ``'exponential'``: ``k ** i`` with ``0 < k < 1``;
    * ``'inverse_sigmoid'``: ``k / (k + exp(i / k))`` with ``k >= 1``
      (about 1 at first, 1/2 at ``i = k ln k``).

    Args:
        support_len (int): Steps always fed with ground truth.
        decay (str): One of ``'linear'``, ``'exponential'``,
            ``'inverse_sigmoid'``.
        k (float): Decay parameter (see above).
        minimum (float): Floor of the probability.
    """

    def __init__(self, support_len=0, decay='inverse_sigmoid', k=100.0,
                 minimum=0.0):
        self.support_len = check_int('support_len', support_len, 0)
        if decay not in DECAYS:
            raise ValueError('decay must be one of {}, got {!r}'.format(
                DECAYS, decay))
        k = float(k)
        if decay == 'linear' and not k > 0 \
                or decay == 'exponential' and not 0 < k < 1 \
                or decay == 'inverse_sigmoid' and not k >= 1:
            raise ValueError('k={!r} is not valid for the {} decay'.format(
                k, decay))
        if not 0 <= minimum <= 1:
            raise ValueError('minimum must be in [0, 1], got {!r}'.format(
                minimum))
        self.decay, self.k, self.minimum = decay, k, float(minimum)

    def probability(self, iteration):
        """Probability of ground truth at a fed-back step at ``iteration``."""
        i, k = iteration, self.k
        if self.decay == 'linear':
            eps = 1 - i / k
        elif self.decay == 'exponential':
            eps = k ** i
        else:
            eps = k / (k + math.exp(min(i / k, 700.0)))
        return max(self.minimum, eps)

    def __call__(self, updater):
        return self.support_len, self.probability(updater.iteration)

    def __repr__(self):
        return 'ScheduledSampling(support_len={}, decay={!r}, k={:g}, ' \
            'minimum={:g})'.format(self.support_len, self.decay, self.k,
                                    self.minimum)


def as_schedule(support_len: SupportLen) -> Schedule:
    """An int becomes :class:`Constant`; a schedule is returned as it is."""
    if callable(support_len):
        return support_len
    return Constant(support_len)
