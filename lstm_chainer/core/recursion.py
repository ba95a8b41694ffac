"""The one rule for ground truth versus fed-back predictions, and the one
function that runs a model by it over a batch of windows."""
from __future__ import annotations

import chainer
import chainer.functions as F

from lstm_chainer.core import fused as fused_path
from lstm_chainer.core.protocols import DataUnitsModel, n_outputs, sizes


def uses_truth(i, support_len):
    """Whether step ``i`` (0-based) is fed ground truth.

    Args:
        i (int): Time step.
        support_len (int): Last step fed with ground truth.

    Returns:
        bool: ``i <= support_len``.
    """
    return i <= support_len


def unroll(step, xs, n_steps, support_len, truth_mask=None):
    """Runs a one-step model recursively, calling it once per time step.

    The input at step ``i`` is ``xs[i]`` while ``i <= support_len`` and the
    model's own output of step ``i - 1`` afterwards, so the prediction that
    is fed back is the one that is returned (and scored). With
    ``truth_mask``, window ``b`` also gets ``xs[i]`` wherever
    ``truth_mask[i, b]`` is true (scheduled sampling).

    Args:
        step (callable): One time step, ``step(x) -> y``.
        xs (sequence): Ground-truth inputs; only the first
            ``min(support_len + 1, n_steps)`` are read without a mask.
        n_steps (int): Number of steps to run.
        support_len (int): Last step fed with ground truth.
        truth_mask (array): Boolean ``(n_steps, batch)`` or ``None``.

    Inputs wider than the outputs carry covariates in their last columns:
    a fed-back step reads the previous output followed by ``xs[i]``'s
    covariates, so ``xs`` must then hold every step.

    Returns:
        list: The ``n_steps`` outputs.
    """
    ys = []
    y = None
    for i in range(n_steps):
        if uses_truth(i, support_len):
            x = xs[i]
        else:
            x = y
            if xs[0].shape[1] > y.shape[1]:  # covariates: known, not fed back
                x = F.concat((y, xs[i][:, y.shape[1]:]), axis=1)
            if truth_mask is not None and truth_mask[i].any():
                where = truth_mask[i][:, None].repeat(xs[i].shape[1], axis=1)
                x = F.where(where, xs[i], x)
        y = step(x)
        ys.append(y)
    return ys


def check_feedback(model, n_steps, support_len):
    """Refuses recursion for a model whose output cannot be its next input.

    Args:
        model: One-step predictor; checked when it has ``n_input`` and
            ``n_output`` attributes.
        n_steps (int): Steps that will run.
        support_len (int): Last step fed with ground truth.
    """
    n_in, n_out = sizes(model)
    if support_len + 1 < n_steps and n_in is not None and (
            n_in < n_out or n_in > n_out and getattr(model, 'residual',
                                                     False)):
        raise ValueError(
            'the model maps {} inputs to {} outputs, so its predictions '
            'cannot be fed back; use n_input >= n_output (the extra inputs '
            'are covariates) or support_len >= {} (got {})'.format(
                n_in, n_out, n_steps - 1, support_len))


def use_fused(model, fused: bool | None, training: bool) -> bool:
    """Chooses the path for ``model``: the one place that decides it.

    Args:
        model: The one-step model.
        fused (bool): ``None``: fused whenever it computes exactly what the
            model does; ``True`` insists on it; ``False`` runs step by step.
        training (bool): Gradients are needed (dropout then matters).

    Returns:
        bool: Whether to run the fused path.
    """
    supported = fused_path.supports(model, training)
    if fused and not supported:
        raise ValueError(
            'fused=True needs a lstm_chainer.Model (with its own forward{}), '
            'got {}'.format(' and no dropout' if training else '',
                            type(model).__name__))
    return supported if fused is None else bool(fused)


def _check_width(model, xs):
    n_in, _ = sizes(model)
    if n_in is not None and xs.shape[-1] != n_in:
        raise ValueError('the model takes {} variable(s) per step, the data '
                         'has {}'.format(n_in, xs.shape[-1]))


def rollout(model, xs, n_steps: int, support_len: int, truth_mask=None,
            fused: bool | None = None, training: bool = False):
    """Runs ``model`` recursively over a batch of windows.

    Step ``i`` reads ``xs[i]`` when ``i <= support_len`` (or where
    ``truth_mask[i]`` is true) and the output of step ``i - 1`` otherwise;
    the model starts from zero state. A model with a ``rollout`` method of
    its own (:class:`~lstm_chainer.Forecaster`) supplies it for forecasts.

    Args:
        model: One-step model with ``reset_state()``; its state is reset
            and, on the step path, advanced.
        xs: Ground-truth inputs ``(>= min(support_len + 1, n_steps), batch,
            n_input)`` on the model's device (every step with a mask).
        n_steps (int): Steps to run.
        support_len (int): Last step fed with ground truth.
        truth_mask: Boolean ``(n_steps, batch)`` or ``None``.
        fused (bool): Path, see :func:`use_fused`.
        training (bool): Build the backprop graph (call inside the caller's
            train/test configuration); else forward only, no graph.

    Returns:
        ``(n_steps, batch, n_output)``: a ``chainer.Variable`` when
        ``training``, else an array on the model's device.
    """
    if not training and isinstance(model, DataUnitsModel):
        return model.rollout(xs, n_steps, support_len, fused=fused)
    _check_width(model, xs)
    check_feedback(model, n_steps, support_len)
    n_out = n_outputs(model, xs.shape[-1])
    if xs.shape[-1] > n_out and support_len + 1 < n_steps \
            and len(xs) < n_steps:
        raise ValueError('the model reads {} covariate(s) at every step: '
                         'give inputs for all {} steps, got {}'.format(
                             xs.shape[-1] - n_out, n_steps, len(xs)))
    if xs.dtype.kind == 'f' and xs.dtype != model.xp.float32 \
            and isinstance(model, chainer.Link):
        xs = xs.astype(model.xp.float32)  # data in float64, models in float32
    if use_fused(model, fused, training):
        if training:
            return fused_path.fused_window(model, xs, support_len, truth_mask)
        return fused_path.forecast_array(model, xs, n_steps, support_len)
    model.reset_state()
    ys = unroll(model, xs, n_steps, support_len, truth_mask)
    if training:
        return F.stack(ys)
    return model.xp.stack([y.array for y in ys])


def rollout_origins(model, series, origins, horizon: int,
                    context: int | None = None, fused: bool | None = None):
    """Forecasts ``horizon`` steps after each origin of one series.

    At origin ``o`` the model has seen rows ``<= o`` of ``series`` as ground
    truth: all of them (``context=None``: one warm-up pass records the state
    at every origin) or the last ``context`` (one window per origin). Then
    it is fed its own predictions. A model with a ``rollout_origins`` method
    of its own (:class:`~lstm_chainer.Forecaster`) supplies it.

    Args:
        model: One-step model.
        series: ``(T, n_input)`` ground truth on the model's device.
        origins: Increasing positions in ``series``.
        horizon (int): Steps per origin.
        context (int): Rows of history each origin warms up on (``None``:
            all; needs the fused path).
        fused (bool): Path, see :func:`use_fused`.

    Returns:
        array: ``(horizon, len(origins), n_output)`` on the model's device.
    """
    if isinstance(model, DataUnitsModel):
        return model.rollout_origins(series, origins, horizon, context, fused)
    _check_width(model, series)
    origins = [int(o) for o in origins]
    if context is None:
        if not use_fused(model, fused, training=False):
            raise ValueError('warming up on the whole history needs the fused '
                             'path; give {} a context (rows of history per '
                             'origin)'.format(type(model).__name__))
        return fused_path.forecast_from_origins(model, series, origins,
                                                horizon)
    if origins and origins[0] + 1 < context:
        raise ValueError('the first origin ({}) has {} rows of history, '
                         'fewer than context={}'.format(
                             origins[0], origins[0] + 1, context))
    xp = model.xp
    # Covariates are read at the forecast steps too: longer windows.
    covariates = series.shape[-1] > n_outputs(model, series.shape[-1])
    steps = xp.arange(context + (horizon - 1 if covariates else 0))[:, None]
    parts = []
    # 1,024 windows at a time: the teacher-forced pre-activations of a
    # batch take context x batch x 4 units floats.
    for start in range(0, len(origins), 1024):
        ends = xp.asarray(origins[start:start + 1024])
        xs = series[steps + ends[None, :] - context + 1]
        ys = rollout(model, xs, context + horizon - 1, context - 1,
                     fused=fused)
        parts.append(ys[context - 1:])
    return xp.concatenate(parts, axis=1)
