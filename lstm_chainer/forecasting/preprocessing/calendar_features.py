"""Calendar features: covariates computed from the time column, for any
past or future time, as sine/cosine pairs (so December is next to
January)."""
from __future__ import annotations

import numpy as np
import pandas as pd

# name: (period, position in the period, the longest time step it allows)
FEATURES = {
    'month': (12, lambda index: index.month - 1, pd.Timedelta(days=93)),
    'dayofweek': (7, lambda index: index.day_of_week, pd.Timedelta(days=1)),
    'hour': (24, lambda index: index.hour, pd.Timedelta(hours=1)),
    'dayofyear': (365.25, lambda index: index.day_of_year - 1,
                  pd.Timedelta(days=1)),
}


def parse(text):
    """``'month,dayofweek'`` -> checked list of names."""
    names = [n.strip() for n in text.split(',') if n.strip()]
    unknown = [n for n in names if n not in FEATURES]
    if unknown or not names:
        raise ValueError('unknown calendar feature(s) {}; choose from {}'
                         .format(', '.join(map(repr, unknown or [text])),
                                 ', '.join(FEATURES)))
    return names


def columns(names):
    """Column names of the features: ``month_sin``, ``month_cos``, ..."""
    return ['{}_{}'.format(n, part) for n in names for part in ('sin', 'cos')]


def features(index, names, step=None):
    """The features of ``names`` at every time of ``index``.

    Args:
        index (pandas.DatetimeIndex): Times.
        names (list): Feature names (:data:`FEATURES`).
        step: The data's time step (checked against what each feature
            needs; default: the index's median spacing).

    Returns:
        pandas.DataFrame: Two columns per feature, indexed like ``index``.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError('calendar features need a time column')
    if step is None and len(index) > 1:
        step = pd.Series(index).diff().median()
    frame = {}
    for name in names:
        period, position, longest = FEATURES[name]
        if step is not None and pd.Timedelta(step) > longest:
            raise ValueError(
                'the {} feature needs a time step of at most {}; the data '
                'steps by {}'.format(name, longest, pd.Timedelta(step)))
        angle = 2 * np.pi * np.asarray(position(index), dtype=np.float64) \
            / period
        frame[name + '_sin'] = np.sin(angle)
        frame[name + '_cos'] = np.cos(angle)
    return pd.DataFrame(frame, index=index)


def repeating(index, names, season):
    """The features of ``names`` whose values repeat every ``season`` rows
    of ``index``: a seasonal difference of that lag already removes what
    they describe (e.g. ``month`` on monthly data with season 12).

    Args:
        index (pandas.DatetimeIndex): Times.
        names (list): Feature names.
        season (int): Rows per season.

    Returns:
        list: Those of ``names`` that repeat.
    """
    if not season or len(index) <= season:
        return []
    values = features(index, names)
    pairs = {name: values[columns([name])].to_numpy() for name in names}
    return [name for name, a in pairs.items()
            if np.allclose(a[season:], a[:-season])]
