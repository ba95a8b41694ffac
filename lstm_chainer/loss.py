"""The training target: a predictor plus a per-step loss that is reported."""
import chainer
import chainer.functions as F


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


def window_loss(lossfun, ys, ts):
    """Sum over the steps of a window of ``lossfun(ys[i], ts[i])``.

    Args:
        lossfun (callable): Per-step loss.
        ys (chainer.Variable): Outputs ``(seq_len, batch, n)``.
        ts: Targets, same shape.

    Returns:
        chainer.Variable: Scalar; one call for mean squared error.
    """
    if lossfun is F.mean_squared_error:
        return F.mean_squared_error(ys, ts) * len(ts)
    return sum(lossfun(y, t) for y, t in zip(F.separate(ys, axis=0), ts))
