"""The training target: a predictor plus a per-step loss that is reported."""
import chainer
import chainer.functions as F
import numpy
from chainer import backend, utils


class LossFuncL(chainer.Chain):
    """Wraps a predictor and scores one time step with mean squared error.

    Calling it on ``(x, t)`` advances the predictor one step and reports
    ``loss`` (so a Trainer logs ``main/loss``). :class:`LSTM_updater` uses
    :meth:`lossfun` directly on predictions it already has, so the predictor
    is stepped exactly once per time step.

    Args:
        predictor (chainer.Link): One-step model with ``reset_state()``.
        lossfun (callable): ``lossfun(y, t)`` -> scalar Variable.
    """

    def __init__(self, predictor, lossfun=F.mean_squared_error):
        super().__init__()
        self.lossfun = lossfun
        with self.init_scope():
            self.predictor = predictor

    def forward(self, x, t):
        """Steps the predictor once and returns the reported loss.

        Args:
            x: Input of shape ``(batch, n_input)``.
            t: Target of shape ``(batch, n_output)``.

        Returns:
            chainer.Variable: Scalar loss.
        """
        loss = self.lossfun(self.predictor(x), t)
        chainer.report({'loss': loss}, self)
        return loss


def mse_sum(diff):
    """``F.mean_squared_error(ys, ts) * len(ts)`` of ``diff = ys - ts``, as
    Chainer computes it (same operations, so the same bits).

    Args:
        diff: ``(seq_len, batch, n)`` array.

    Returns:
        0-d array: The loss.
    """
    flat = diff.ravel()
    if backend.get_array_module(diff) is numpy:
        # As MeanSquaredError.forward_cpu / forward_gpu.
        mse = numpy.array(flat.dot(flat) / flat.size, dtype=flat.dtype)
    else:
        mse = flat.dot(flat) / flat.dtype.type(flat.size)
    return utils.force_array(mse.dtype.type(len(diff)) * mse)


def mse_sum_grad(diff, g):
    """Gradient of :func:`mse_sum` with respect to ``ys`` given the loss's
    gradient ``g`` (0-d), as Chainer's backward of MulConstant then
    MeanSquaredError computes it."""
    g = utils.force_array(g.dtype.type(len(diff)) * g)
    return utils.force_array(diff.dtype.type(2. / diff.size) * (g * diff))


class WindowMSE(chainer.FunctionNode):
    """:func:`mse_sum` as one node whose backward is plain array code.

    The same bits as ``F.mean_squared_error(ys, ts) * len(ts)``, without
    four differentiable functions in backward: that bookkeeping costs more
    than the arithmetic on small windows. It does not support double
    backpropagation.
    """

    def check_type_forward(self, in_types):
        chainer.utils.type_check._argname(in_types, ('ys', 'ts'))
        ys, ts = in_types
        chainer.utils.type_check.expect(
            ys.dtype.kind == 'f', ys.dtype == ts.dtype, ys.shape == ts.shape)

    def forward(self, inputs):
        ys, ts = inputs
        self.diff = ys - ts
        return mse_sum(self.diff),

    def backward(self, indexes, grad_outputs):
        gx = mse_sum_grad(self.diff, grad_outputs[0].array)
        return tuple(chainer.Variable(gx if i == 0 else -gx)
                     for i in indexes)


def window_loss(lossfun, ys, ts):
    """Sum over the steps of a window of ``lossfun(ys[i], ts[i])``.

    Args:
        lossfun (callable): Per-step loss.
        ys (chainer.Variable): Outputs ``(seq_len, batch, n)``.
        ts: Targets, same shape.

    Returns:
        chainer.Variable: Scalar; one node (:class:`WindowMSE`) for mean
        squared error.
    """
    if lossfun is F.mean_squared_error:
        return WindowMSE().apply((ys, ts))[0]
    return sum(lossfun(y, t) for y, t in zip(F.separate(ys, axis=0), ts))
