"""Reversible per-column transforms, fitted on training data only.

A transform turns a column into something an LSTM can learn (a trending
level into its changes, a seasonal one into its change from a season ago);
forecasts of the transformed values are turned back into levels from the
last values known. Like Darts' transformers, they are fitted on the
training part, saved with the model, and the network never knows of them.

Names: ``none``, ``diff`` (change from the previous row), ``seasonal-diff``
(change from one season ago); ``log``, ``log-diff`` and
``log-seasonal-diff`` (the same of the logarithm: relative growth); and
``boxcox(λ)``, ``boxcox(λ)-diff``, ``boxcox(λ)-seasonal-diff`` with the
Box-Cox transform ``(x^λ - 1) / λ`` (between the log, λ = 0, and the
values themselves, λ = 1). The log and Box-Cox take positive columns only.
"""
from __future__ import annotations

import re

import numpy as np

NAMES = ('none', 'diff', 'seasonal-diff', 'log', 'log-diff',
         'log-seasonal-diff', 'boxcox(λ)', 'boxcox(λ)-diff',
         'boxcox(λ)-seasonal-diff')
_BOXCOX = re.compile(r'boxcox\(([-+0-9.eE]+)\)$')


def _stabiliser(head):
    """The variance-stabilising step named ``head`` (``log``,
    ``boxcox(0.3)``), or ``None`` when ``head`` is none of them."""
    if head == 'log':
        return ('log',)
    match = _BOXCOX.match(head)
    if match is None:
        return None
    try:
        lam = float(match.group(1))
    except ValueError:
        return None
    if not -2 <= lam <= 2:
        raise ValueError('the Box-Cox lambda must lie in [-2, 2], got '
                         '{:g}'.format(lam))
    return ('log',) if lam == 0 else ('boxcox', lam)


def _steps(name, season):
    """The elementary steps of a named transform: ``('log',)``,
    ``('boxcox', lam)``, ``('diff', lag)``."""
    head, _, rest = name.partition('-')
    first = _stabiliser(head)
    if first is None:
        first, rest = (), name
    else:
        first = (first,)
    if rest == 'seasonal-diff':
        if not season or season < 2:
            raise ValueError('the {} transform needs a season >= 2 '
                             '(got {!r})'.format(name, season))
        return list(first) + [('diff', int(season))]
    if rest in ('', 'none', 'diff') and (first or rest):
        return list(first) + ([('diff', 1)] if rest == 'diff' else [])
    raise ValueError('unknown transform {!r}; choose from {}'.format(
        name, ', '.join(NAMES)))


def boxcox_name(lam, rest='none'):
    """The transform name of Box-Cox ``lam`` (rounded to 0.01; ``log`` at
    0) followed by ``rest`` (``none``, ``diff``, ``seasonal-diff``)."""
    lam = round(float(lam), 2)
    head = 'log' if lam == 0 else 'boxcox({:g})'.format(lam)
    return head if rest == 'none' else '{}-{}'.format(head, rest)


def _forward(step, a):
    if step[0] == 'log':
        with np.errstate(divide='ignore', invalid='ignore'):
            return np.log(a)
    if step[0] == 'boxcox':
        with np.errstate(divide='ignore', invalid='ignore'):
            return (np.power(a, step[1]) - 1) / step[1]
    lag = step[1]
    out = np.full_like(a, np.nan)
    out[lag:] = a[lag:] - a[:-lag]
    return out


def _inverse(step, z, past):
    """Levels from transformed forecasts ``z`` (H, ...) and ``past`` (lag, ...)."""
    if step[0] == 'log':
        with np.errstate(over='ignore'):
            return np.exp(np.minimum(z, 700.0))
    if step[0] == 'boxcox':
        lam = step[1]
        # Past the bound a positive value has no Box-Cox value: the
        # forecast stays at the smallest level (or the largest) there is.
        base = np.maximum(lam * z + 1, 1e-12)
        with np.errstate(over='ignore'):
            return np.minimum(np.power(base, 1 / lam), np.finfo(float).max)
    lag = step[1]
    out = np.empty_like(z)
    for h in range(len(z)):
        out[h] = z[h] + (past[len(past) - lag + h] if h < lag
                         else out[h - lag])
    return out


class ColumnTransform:
    """One named transform of one column.

    Args:
        name (str): One of :data:`NAMES`.
        season (int): Season length (``seasonal-diff`` needs it).
    """

    def __init__(self, name: str, season: int | None = None):
        self.name = name
        self.season = season
        self.steps = _steps(name, season)
        self.lag = sum(step[1] for step in self.steps if step[0] == 'diff')

    def check(self, values, column, rows_name='the training part'):
        """Refuses data the transform cannot take (ValueError)."""
        if any(step[0] in ('log', 'boxcox') for step in self.steps) and \
                not (np.asarray(values) > 0).all():
            raise ValueError('column {!r}: the {} transform needs positive '
                             'values; its minimum is {:g}'.format(
                                 column, self.name, float(np.min(values))))
        if self.lag >= len(values):
            raise ValueError('column {!r}: the {} transform looks {} rows back '
                             'but {} has only {}'.format(
                                 column, self.name, self.lag, rows_name,
                                 len(values)))

    def forward(self, a):
        """Transforms along axis 0; the first :attr:`lag` rows are NaN."""
        for step in self.steps:
            a = _forward(step, a)
        return a

    def inverse(self, z, past):
        """Levels of the ``H`` rows after ``past``.

        Args:
            z: Transformed forecasts ``(H, ...)``.
            past: Data-unit values of the ``>= lag`` rows just before them.

        Returns:
            numpy.ndarray: ``(H, ...)`` levels.
        """
        stages = [past]
        for step in self.steps[:-1]:
            stages.append(_forward(step, stages[-1]))
        for step, known in zip(reversed(self.steps), reversed(stages)):
            z = _inverse(step, z, known)
        return z


class Transformer:
    """Per-column transforms of a multivariate series.

    Args:
        names (list): One transform name per column.
        season (int): Season length for ``seasonal-diff``.
        columns (list): Column names (for messages and saving).
    """

    def __init__(self, names, season=None, columns=None):
        self.names = list(names)
        self.season = season
        self.columns = None if columns is None else list(columns)
        self.parts = [ColumnTransform(name, season) for name in self.names]
        self.lag = max((p.lag for p in self.parts), default=0)

    @classmethod
    def parse(cls, spec, columns, season=None):
        """From ``'diff'`` (every column) or ``'a=log-diff,b=diff'``.

        Columns a per-column spec leaves out get ``none``.
        """
        spec = spec.strip()
        if '=' not in spec:
            return cls([spec] * len(columns), season, columns)
        names = dict.fromkeys(columns, 'none')
        for item in spec.split(','):
            column, _, name = item.partition('=')
            column = column.strip()
            if column not in names:
                raise ValueError('transform for unknown column {!r} (the '
                                 'columns are {})'.format(
                                     column, ', '.join(map(repr, columns))))
            names[column] = name.strip()
        return cls([names[c] for c in columns], season, columns)

    @property
    def is_identity(self):
        """bool: Every column is left as it is."""
        return all(name == 'none' for name in self.names)

    def check(self, train):
        """Refuses a training part some transform cannot take."""
        array = np.asarray(train, dtype=np.float64)
        for j, part in enumerate(self.parts):
            part.check(array[:, j], self._name(j))

    def _name(self, j):
        return self.columns[j] if self.columns else j

    def forward(self, a):
        """Transforms ``(T, ..., n)`` along axis 0 (NaN in the first rows)."""
        a = np.asarray(a, dtype=np.float64)
        out = np.empty_like(a)
        for j, part in enumerate(self.parts):
            out[..., j] = part.forward(a[..., j])
        return out

    def inverse(self, z, past):
        """Levels ``(H, ..., n)`` from transformed forecasts and the past.

        Args:
            z: ``(H, ..., n)`` transformed forecasts of the rows after
                ``past``.
            past: ``(>= lag, ..., n)`` data-unit values just before them.
        """
        z = np.asarray(z, dtype=np.float64)
        past = np.asarray(past, dtype=np.float64)
        out = np.empty_like(z)
        for j, part in enumerate(self.parts):
            out[..., j] = part.inverse(z[..., j], past[..., j])
        return out

    def describe(self):
        """str: ``'a: diff, b: log-diff'``."""
        return ', '.join('{}: {}'.format(self._name(j), name)
                         for j, name in enumerate(self.names))

    def to_dict(self):
        """dict: JSON-ready description."""
        return {'names': self.names, 'season': self.season,
                'columns': self.columns}

    @classmethod
    def from_dict(cls, state):
        """Rebuilds a transformer from :meth:`to_dict` output."""
        return cls(state['names'], state.get('season'), state.get('columns'))
