"""Training step: unroll a window with teacher forcing, then feedback."""
import contextlib

import chainer
import chainer.functions as F
import numpy as np
from chainer import training

from lstm_chainer._random import global_random, serialize_random
from lstm_chainer.core import fused as fused_path
from lstm_chainer.core.loss import window_loss
from lstm_chainer.core.recursion import check_feedback, rollout, use_fused
from lstm_chainer.core.schedules import Constant, as_schedule


@chainer.dataset.converter()
def time_major_converter(batch, device):
    """Sends an ``(xs, ts)`` batch of :class:`LSTM_Iterator` to ``device``.

    Args:
        batch (tuple): ``(xs, ts)`` NumPy arrays.
        device (chainer.backend.Device): Destination (``None``: unchanged).

    Returns:
        tuple: ``(xs, ts)`` on the device.
    """
    if device is None:
        return batch
    return tuple(device.send(a) for a in batch)


class LSTM_updater(training.StandardUpdater):
    """Updater for recursive one-step models over time-major windows.

    Per iteration: ``reset_state()``; unroll ``seq_len`` steps where the input
    at step ``i`` is ground truth for ``i <= support_len`` and the previous
    prediction afterwards (one predictor call per step); sum the per-step
    losses; backward; ``unchain_backward``; optimizer update. ``main/loss`` is
    the mean per-step loss; ``main/support_len`` (and, with scheduled
    sampling, ``main/truth_probability``) are reported too.

    For a plain :class:`Model` without dropout the window runs through the
    fused path (:mod:`lstm_chainer.core.fused`): the same computation as one
    function node, several times faster; with the default mean squared
    error, loss and gradients are computed as array code without a graph
    (:func:`~lstm_chainer.core.fused.mse_gradients`, the same bits). Any other
    predictor (a Chain with ``reset_state()``) runs step by step.

    Args:
        train_iter (LSTM_Iterator): Training iterator.
        optimizer (chainer.Optimizer): Optimizer whose target is a
            :class:`LossFuncL` (anything with ``predictor`` and
            ``lossfun(y, t)``).
        device: Model and batch device, anything ``chainer.get_device``
            accepts (``None``: leave the model where it is).
        support_len: An int or a schedule from :mod:`lstm_chainer.core.schedules`
            (default: ``train_iter.support_len``).
        converter: Batch converter (default :func:`time_major_converter`).
        fused (bool): ``None`` picks the fused path when it supports the
            predictor; ``True`` insists on it; ``False`` runs step by step.
        seed (int): Seed of the updater's random stream (scheduled sampling
            coin flips and dropout masks); it is saved in snapshots.
    """

    def __init__(self, train_iter, optimizer, device=None, support_len=None,
                 converter=time_major_converter, fused=None, seed=None,
                 **kwargs):
        super().__init__(train_iter, optimizer, converter=converter,
                         device=device, **kwargs)
        self.seq_len = train_iter.seq_len
        if support_len is None:
            support_len = train_iter.support_len
        self.schedule = as_schedule(support_len)
        first, _ = self.schedule(self)
        check_feedback(self.predictor, self.seq_len, first)
        self.fused = use_fused(self.predictor, fused, training=True)
        # An iterator may score only the steps after its warm-up.
        self.loss_from = int(getattr(train_iter, 'loss_from', 0))
        self._random = np.random.RandomState(seed)
        # Chainer's dropout draws from NumPy's global generator on the CPU;
        # it gets this stream instead, so that runs and resumes repeat.
        self._dropout_random = np.random.RandomState(
            self._random.randint(2**31))

    @property
    def support_len(self):
        """int: ``support_len`` at the current iteration."""
        return self.schedule(self)[0]

    @property
    def seq_length(self):
        """int: The article's name for :attr:`seq_len`."""
        return self.seq_len

    @property
    def predictor(self):
        """chainer.Link: The model being trained."""
        return self.get_optimizer('main').target.predictor

    def finalize(self):
        """Ends training: its iterators, and the fused path's window arrays
        kept from one update to the next."""
        super().finalize()
        fused_path.release_workspace()

    def update_core(self):
        train_iter = self.get_iterator('main')
        optimizer = self.get_optimizer('main')
        target = optimizer.target
        support_len, probability = self.schedule(self)
        xs, ts = self.converter(train_iter.next(), self.input_device)
        mask = None
        if probability > 0 and support_len + 1 < len(xs):
            mask = self._random.random_sample(xs.shape[:2]) < probability
            mask = chainer.get_device(self.input_device or '@numpy').send(mask)

        target.predictor.reset_state()
        if self.fused and target.lossfun in (F.mean_squared_error,
                                             F.mean_absolute_error) \
                and self.loss_scale is None:
            # The same gradients as the graph below, as array code only.
            loss, grads = fused_path.mse_gradients(
                target.predictor, xs, ts, support_len, mask, self.loss_from,
                absolute=target.lossfun is F.mean_absolute_error)
            target.cleargrads()
            for param, grad in zip(
                    fused_path.model_parameters(target.predictor), grads):
                if grad is not None:
                    param.grad = grad
        else:
            loss = self._graph_gradients(target, xs, ts, support_len, mask)
        report = {'loss': loss / (len(ts) - self.loss_from),
                  'support_len': support_len}
        if not isinstance(self.schedule, Constant):
            report['truth_probability'] = probability
        chainer.report(report, target)
        optimizer.update()
        if self.auto_new_epoch and train_iter.is_new_epoch:
            optimizer.new_epoch(auto=True)

    def _graph_gradients(self, target, xs, ts, support_len, mask):
        """Backward through Chainer's graph; returns the loss array."""
        # Only the step-by-step path can meet dropout (or a user's own
        # randomness); the fused path draws nothing.
        with contextlib.nullcontext() if self.fused \
                else global_random(self._dropout_random):
            ys = rollout(target.predictor, xs, len(xs), support_len, mask,
                         fused=self.fused, training=True)
            first = self.loss_from
            loss = window_loss(target.lossfun, ys[first:], ts[first:])
            target.cleargrads()
            loss.backward(loss_scale=self.loss_scale)
        loss.unchain_backward()
        return loss.array

    def serialize(self, serializer):
        """Saves or restores the updater, including its random streams."""
        super().serialize(serializer)
        for name, random in (('random', self._random),
                             ('dropout_random', self._dropout_random)):
            serialize_random(serializer[name], random)

