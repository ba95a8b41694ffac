"""Reference forecasts to judge a model against."""
import numpy as np

from lstm_chainer._checks import check_int


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
    sse = np.zeros((iterator.seq_len, iterator.n_features))
    count = 0
    known = np.minimum(np.arange(iterator.seq_len), s)
    for xs, ts in iterator:
        err = xs[known].astype(np.float64) - ts
        sse += (err * err).sum(axis=1)
        count += xs.shape[1]
    return sse, count


def skill_table(model_table, baseline_table, baseline='persistence'):
    """Puts a model's RMSE table beside a baseline's, with the skill.

    Skill is ``1 - rmse_model / rmse_baseline``: 1 is perfect, 0 is no
    better than the baseline, negative is worse.

    Args:
        model_table (pandas.DataFrame): Output of ``valid``.
        baseline_table (pandas.DataFrame): Same layout, for the baseline.
        baseline (str): Name of the baseline in the column labels.

    Returns:
        pandas.DataFrame: For each column ``c`` of the tables, the columns
        ``'c model'``, ``'c <baseline>'`` and ``'c skill'``.
    """
    parts = {}
    for name in model_table.columns:
        model, base = model_table[name], baseline_table[name]
        parts['{} model'.format(name)] = model
        parts['{} {}'.format(name, baseline)] = base
        with np.errstate(divide='ignore', invalid='ignore'):
            parts['{} skill'.format(name)] = 1 - model / base
    return model_table.__class__(parts, index=model_table.index)
