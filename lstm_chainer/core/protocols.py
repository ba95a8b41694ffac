"""What the recursion, the backtest and the forecasts ask of a model.

Any Chain with ``reset_state()`` and a one-step ``__call__`` runs through
the recursion (:class:`OneStepModel`); one that declares its sizes
(:class:`SizedModel`, as :class:`~lstm_chainer.Model` does) is checked
against the data. A model that runs whole recursions itself in data units
(:class:`DataUnitsModel`, as :class:`~lstm_chainer.Forecaster` does) is
handed the data untouched.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class OneStepModel(Protocol):
    """One step ``(batch, n_input) -> (batch, n_output)`` with LSTM state."""

    def reset_state(self) -> None:
        ...

    def __call__(self, x):
        ...


@runtime_checkable
class SizedModel(OneStepModel, Protocol):
    """A one-step model that declares its sizes: inputs past the outputs
    are covariates, read at every step."""

    n_input: int
    n_output: int


@runtime_checkable
class DataUnitsModel(Protocol):
    """A model in data units that runs whole recursions itself.

    ``lag`` rows of history are needed before its first forecast; ``pred``
    is its target offset, ``context`` the rows it warms up on (``None``:
    all), ``calendar`` and ``covariates`` what it reads besides its
    targets (``prepare`` appends the calendar features to a DataFrame),
    ``half_widths`` its calibrated intervals; ``columns`` and
    ``data_columns`` name its targets and the columns data must have,
    ``unit_scale`` pools its variables in one RMSE (``None``: data units).
    """

    n_output: int
    columns: list | None
    data_columns: list | None
    unit_scale: object
    pred: int
    lag: int
    context: int | None
    calendar: list
    covariates: list
    half_widths: dict
    floor: list | None

    def rollout(self, xs, n_steps: int, support_len: int, fused=None):
        ...

    def rollout_origins(self, series, origins, horizon: int, context=None,
                        fused=None):
        ...

    def prepare(self, data):
        ...


# The helpers below read the declared sizes directly: an isinstance check
# against a runtime protocol costs ~15 us, and they run once per training
# iteration on the step path.
def sizes(model):
    """``(n_input, n_output)`` of a :class:`SizedModel`, else
    ``(None, None)``."""
    n_in = getattr(model, 'n_input', None)
    n_out = getattr(model, 'n_output', None)
    if isinstance(n_in, int) and isinstance(n_out, int):
        return n_in, n_out
    return None, None


def n_outputs(model, width):
    """Outputs of ``model`` (of its ``predictor`` for a loss link) given
    data ``width`` columns wide: the declared ``n_output``, else all."""
    n_out = getattr(getattr(model, 'predictor', model), 'n_output', None)
    return n_out if isinstance(n_out, int) else width
