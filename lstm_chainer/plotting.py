"""Plots of series, losses, validation tables and forecasts.

Each ``plot_*`` function draws data computed elsewhere (``valid``,
``pred``, the LogReport log) onto ``ax`` (a matplotlib Axes; a new pyplot
one when ``None``) under ``title`` (default: what it shows; ``''``: none)
and returns the Axes; matplotlib is imported only when a plot is drawn.
"""
import numpy as np

from lstm_chainer._io import atomic_write
from lstm_chainer.forecasting.evaluation.backtest import display_name


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def new_axes(**subplots):
    """A fresh Axes on a pyplot-free Figure (for saving to files).

    Returns:
        matplotlib.axes.Axes: The Axes; its figure is ``ax.figure``.
    """
    from matplotlib.figure import Figure
    return Figure(figsize=(7, 4), layout='constrained').subplots(**subplots)


def save_figure(figure, path):
    """Writes a figure atomically (a crash never leaves half a file).

    Args:
        figure (matplotlib.figure.Figure): Figure to save.
        path (str): Destination; the format follows the extension.
    """
    atomic_write(path, figure.savefig)


def plot_series(train, test=None, ax=None, title=None):
    """Training (and test) series, one line per variable.

    Args:
        train (pandas.DataFrame): Training part; its index is the x axis.
        test (pandas.DataFrame): Test part, drawn dashed after ``train``.
    """
    ax = _axes(ax)
    for name in train.columns:
        line, = ax.plot(train.index, train[name], label='{} (train)'.format(
            name))
        if test is not None:
            ax.plot(test.index, test[name], linestyle='--',
                    color=line.get_color(), label='{} (test)'.format(name))
    ax.set_xlabel(train.index.name or 't')
    ax.legend(loc='best', fontsize='small')
    _title(ax, title,
           'the series: training part (solid), test part (dashed)')
    return ax


def plot_loss(log, keys=('main/loss', 'validation/main/loss'), ax=None,
              title=None):
    """Loss per epoch from a LogReport log, on a log scale.

    Args:
        log (list): LogReport entries (dicts with ``epoch`` and the keys).
        keys (sequence): Entries to draw; missing ones are skipped.
    """
    ax = _axes(ax)
    for key in keys:
        points = [(e['epoch'], e[key]) for e in log if key in e]
        if points:
            x, y = zip(*points)
            ax.plot(x, y, label=key)
    ax.set_xlabel('epoch')
    ax.set_ylabel('MSE')
    ax.set_yscale('log')
    ax.grid(True, alpha=0.3)
    if ax.has_data():
        ax.legend(loc='best', fontsize='small')
    _title(ax, title,
           'loss per epoch')
    return ax


def plot_valid(table, ax=None, title=None):
    """RMSE against horizon, one line per column of a :func:`valid` table.

    Args:
        table (pandas.DataFrame): Output of ``valid``.
    """
    ax = _axes(ax)
    for name in table.columns:
        ax.plot(table.index, table[name], marker='.', label=str(name))
    ax.set_xlabel('horizon (steps of recursive forecast)')
    ax.set_ylabel('RMSE')
    ax.grid(True, alpha=0.3)
    ax.legend(loc='best', fontsize='small')
    _title(ax, title,
           'RMSE of recursive forecasts per horizon step')
    return ax


def plot_pred(predictions, truth=None, ax=None, title=None):
    """Forecast (solid) against truth (dashed), one colour per variable.

    Args:
        predictions (pandas.DataFrame): Forecast, e.g. from ``pred``.
        truth (pandas.DataFrame): Truth on the same index (NaN where unknown).
    """
    ax = _axes(ax)
    for name in predictions.columns:
        line, = ax.plot(predictions.index, predictions[name],
                        label='{} forecast'.format(name))
        if truth is not None:
            ax.plot(truth.index, truth[name], linestyle='--',
                    color=line.get_color(), label='{} truth'.format(name))
    ax.set_xlabel(predictions.index.name or 't')
    ax.grid(True, alpha=0.3)
    ax.legend(loc='best', fontsize='small')
    _title(ax, title,
           'recursive forecast (solid) against the truth (dashed)')
    return ax


def _axes_grid(axes, n):
    if axes is None:
        import matplotlib.pyplot as plt
        _, axes = plt.subplots(n, 1, sharex=True, squeeze=False,
                               figsize=(7, 2.2 * n + 0.5))
        axes = axes[:, 0]
    axes = list(axes) if hasattr(axes, '__len__') else [axes]
    if len(axes) != n:
        raise ValueError('need {} axes, got {}'.format(n, len(axes)))
    return axes


def new_axes_column(n):
    """``n`` stacked Axes sharing x on a pyplot-free Figure.

    Returns:
        list: The Axes; their figure is ``axes[0].figure``.
    """
    from matplotlib.figure import Figure
    figure = Figure(figsize=(7, 2.2 * n + 0.5), layout='constrained')
    return list(figure.subplots(n, 1, sharex=True, squeeze=False)[:, 0])


def plot_forecast(history, forecast, axes=None, bounds=None, title=None):
    """History and forecast, one Axes per variable (scales may differ).

    Args:
        history (pandas.DataFrame): Known values (e.g. the tail).
        forecast (pandas.DataFrame): Values past the history.
        axes (sequence): One Axes per column (new ones when ``None``).
        bounds (pandas.DataFrame): Interval columns ``<name>_lower_<pct>``
            and ``<name>_upper_<pct>`` (:func:`with_intervals`), drawn as
            bands.

    Returns:
        list: The Axes.
    """
    axes = _axes_grid(axes, len(forecast.columns))
    for ax, name in zip(axes, forecast.columns):
        line, = ax.plot(history.index, history[name], label='history')
        joined = forecast[name]
        if len(history):
            joined = forecast[name].copy()
            joined.loc[history.index[-1]] = history[name].iloc[-1]
            joined = joined.sort_index()
        ax.plot(joined.index, joined.to_numpy(), linestyle='--',
                color=line.get_color(), label='forecast')
        for lower in [] if bounds is None else sorted(
                c for c in bounds.columns
                if str(c).startswith('{}_lower_'.format(name))):
            pct = str(lower).rsplit('_', 1)[1]
            upper = '{}_upper_{}'.format(name, pct)
            ax.fill_between(bounds.index, bounds[lower], bounds[upper],
                            color=line.get_color(),
                            alpha=0.4 - 0.002 * float(pct),
                            linewidth=0, label='{} % interval'.format(pct))
        ax.set_ylabel(str(name))
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc='best', fontsize='small')
    axes[-1].set_xlabel(forecast.index.name or 't')
    _title(axes[0], title,
           _forecast_title(history, forecast))
    if hasattr(forecast.index, 'tz'):  # a DatetimeIndex: compact dates
        from matplotlib import dates
        locator = dates.AutoDateLocator()
        axes[-1].xaxis.set_major_locator(locator)
        axes[-1].xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    return axes


# Bounds that keep a forecast figure readable.
MAX_PANELS = 10
MAX_PLOTTED_STEPS = 5_000


def forecast_figure(history, forecast):
    """The figure ``pred`` writes: the last stretch of the history and the
    forecast, at most :data:`MAX_PANELS` variables and
    :data:`MAX_PLOTTED_STEPS` steps.

    Args:
        history (pandas.DataFrame): Known values.
        forecast (pandas.DataFrame): The forecast: its point columns, then
            any interval bounds (:func:`~lstm_chainer.with_intervals`).

    Returns:
        tuple: ``(figure, notes)``: notes say what it leaves out.
    """
    first = '{}_lower_'.format(forecast.columns[0])
    n = next((i for i, c in enumerate(forecast.columns)
              if str(c).startswith(first)), forecast.shape[1])
    point, bounds = forecast.iloc[:, :n], forecast if n < forecast.shape[1] \
        else None
    shown = point.iloc[:MAX_PLOTTED_STEPS, :MAX_PANELS]
    axes = new_axes_column(shown.shape[1])
    tail = history[shown.columns].iloc[-max(3 * len(shown), 50):]
    plot_forecast(tail, shown, axes=axes, bounds=None if bounds is None
                  else bounds.iloc[:MAX_PLOTTED_STEPS])
    notes = ['forecast.png shows the first {} of {} variables and {} of {} '
             'steps; forecast.csv has them all'.format(
                 shown.shape[1], point.shape[1], len(shown), len(point))]
    return axes[0].figure, notes * (shown.shape != point.shape)


def plot_backtest(table, ax=None, title=None):
    """Error per horizon step of several models (e.g. ``Backtest.mase()``).

    Args:
        table (pandas.DataFrame): Index horizon, one column per model.
    """
    ax = _axes(ax)
    for name in table.columns:
        ax.plot(table.index, table[name], marker='o', markersize=3,
                label=display_name(name),
                linewidth=2.5 if name == 'model' else 1.2)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel('horizon (steps ahead)')
    ax.set_ylabel('MASE')
    ax.axhline(1.0, color='grey', linewidth=0.6, linestyle=':')
    ax.legend()
    _title(ax, title,
           'backtest: MASE per horizon step (below 1 beats the in-sample naive)')
    return ax


def _forecast_title(history, forecast):
    if len(history):
        last = history.index[-1]
        if hasattr(last, 'normalize') and last == last.normalize():
            last = last.date()  # midnight: the date says it all
        return 'forecast of {} steps after {}'.format(len(forecast), last)
    return 'forecast of {} steps'.format(len(forecast))


def _title(ax, title, default):
    """Sets ``default`` as the title unless ``title`` says otherwise."""
    ax.set_title(default if title is None else title, fontsize='medium')


def series_to_show(ids, asked=None, errors=None, say=print, count=4):
    """The series a collection's figure shows: those ``asked`` for, else
    ``count`` spread over the validation ``errors`` (best, quartiles,
    worst), else the first.

    Args:
        ids (sequence): The series there are.
        asked (sequence): Ids asked for (refused if unknown).
        errors: Id -> error (:func:`~lstm_chainer.forecasting.models.
            global_model.validation_errors`), or a text why there are none.
        say (callable): Receives a note when ``errors`` is such a text.

    Returns:
        list: The ids.
    """
    ids = list(ids)
    if asked:
        unknown = [i for i in asked if i not in set(ids)]
        if unknown:
            raise ValueError('--series: no series {} in the data'.format(
                ', '.join(map(repr, unknown))))
        return list(asked)
    if isinstance(errors, str):
        say('note: {}: forecast.png shows the first series'.format(errors))
    elif errors is not None:
        errors = errors[errors.index.isin(ids)].sort_values()
        if len(errors) >= count:
            picks = np.linspace(0, len(errors) - 1, count).round()
            return list(errors.index[picks.astype(int)])
    return ids[:count]


def collection_figure(collection, forecast, ids):
    """The figure a global model's ``pred`` writes: a few series, each in
    its own Axes, the end of its history and its forecast with bands.

    Args:
        collection (Collection): The histories.
        forecast (pandas.DataFrame): The long table of
            :meth:`~lstm_chainer.GlobalForecaster.forecast_frame`.
        ids (sequence): The series shown (first target of each).

    Returns:
        matplotlib.figure.Figure: The figure.
    """
    import pandas as pd
    from matplotlib.figure import Figure
    # Series have their own times: no shared x axis.
    figure = Figure(figsize=(7, 2.2 * len(ids) + 0.5), layout='constrained')
    axes = list(figure.subplots(len(ids), 1, squeeze=False)[:, 0])
    column = collection.columns[0]
    key = collection.id_name
    time = forecast.columns[1]  # after the id: the time (or step)
    position = {name: k for k, name in enumerate(collection.ids)}
    for ax, name in zip(axes, ids):
        i = position[name]
        rows = forecast[forecast[key] == name].set_index(time)
        history = pd.DataFrame({column: collection.series(i)[:, 0]},
                               index=collection.index_of(i))
        tail = history.iloc[-max(3 * len(rows), 30):]
        tail.index.name = rows.index.name
        plot_forecast(tail, rows[[column]], axes=[ax], bounds=rows,
                      title=str(name))
        ax.set_xlabel('')
    return figure
