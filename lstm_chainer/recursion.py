"""The one rule for ground truth versus fed-back predictions."""
import chainer.functions as F


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

    Returns:
        list: The ``n_steps`` outputs.
    """
    ys = []
    y = None
    for i in range(n_steps):
        if uses_truth(i, support_len):
            x = xs[i]
        elif truth_mask is not None and truth_mask[i].any():
            where = truth_mask[i][:, None].repeat(xs[i].shape[1], axis=1)
            x = F.where(where, xs[i], y)
        else:
            x = y
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
    n_in = getattr(model, 'n_input', None)
    n_out = getattr(model, 'n_output', None)
    if support_len + 1 < n_steps and n_in is not None and n_in != n_out:
        raise ValueError(
            'the model maps {} inputs to {} outputs, so its predictions '
            'cannot be fed back; use n_input == n_output or support_len >= '
            '{} (got {})'.format(n_in, n_out, n_steps - 1, support_len))
