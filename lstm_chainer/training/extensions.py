"""Trainer extensions: thin plumbing around the pure evaluation functions."""
import os
import time

import numpy as np
from chainer import training
from chainer.training import extensions

from lstm_chainer import plotting
from lstm_chainer.core.evaluation import recursive_squared_errors


class RecursiveEvaluator(extensions.Evaluator):
    """Reports the recursive validation error, with :func:`valid`'s rule.

    Reports ``<name>/main/loss`` (MSE over every horizon step, variable and
    window) and ``<name>/main/rmse`` (its root). The evaluation runs on a
    copy of the model, in test mode and without a backprop graph.

    Args:
        iterator (LSTM_Iterator): Non-repeating iterator over the test data.
        target (chainer.Link): Predictor, or a wrapper with ``predictor``.
        s (int): Last step fed with ground truth.
        name (str): Prefix of the reported keys.
        comm: ChainerMN communicator; each process then evaluates its own
            shard of the windows (``LSTM_Iterator(..., shard=...)``) and the
            sums of squared errors and counts are added over processes
            before the root is taken, so every process reports the global
            figure.
    """

    def __init__(self, iterator, target, s=0, name='validation', comm=None):
        super().__init__(iterator, target)
        self.s = s
        self.name = name
        self.comm = comm

    def evaluate(self):
        sse, count = recursive_squared_errors(
            self.get_target('main'), self.get_iterator('main'), self.s)
        if self.comm is not None:
            sse = self.comm.allreduce_obj(sse)
            count = self.comm.allreduce_obj(count)
        mse = float(sse.sum() / (count * sse.size))
        prefix = self.name + '/main/'
        return {prefix + 'loss': mse, prefix + 'rmse': float(np.sqrt(mse))}


class _LogReader(training.Extension):
    """An extension that reads the LogReport log every epoch: the ``keys``
    it shows, the run's last epoch and the LogReport's name."""

    trigger = 1, 'epoch'
    priority = training.PRIORITY_READER

    def __init__(self, keys, epochs, log_name):
        self.keys = tuple(keys)
        self.epochs = epochs
        self.log_name = log_name

    def _log(self, trainer):
        return trainer.get_extension(self.log_name).log


class LossPlot(_LogReader):
    """Draws ``loss.png`` from the LogReport log (one point per log entry).

    Unlike ``PlotReport``, which redraws every time it records a point, it
    reads the points LogReport already keeps, and redraws at the last epoch
    and otherwise at most every ``interval`` seconds: a drawing costs about
    a quarter of a second, more than a whole epoch of a short series.

    Args:
        keys (sequence): Log keys to draw.
        filename (str): File name inside the trainer's ``out``.
        log_name (str): Name of the LogReport extension to read.
        epochs (int): The run's last epoch (drawn at once).
        interval (float): Seconds between drawings before it.
    """

    def __init__(self, keys=('main/loss', 'validation/main/loss'),
                 filename='loss.png', log_name='LogReport', epochs=None,
                 interval=30.0):
        super().__init__(keys, epochs, log_name)
        self.filename = filename
        self.interval = interval
        self._trainer = None
        self._drawn = None  # (entries, time) of the last drawing

    def __call__(self, trainer):
        if self._trainer is None:
            self._drawn = (0, time.monotonic())  # the clock starts here
        self._trainer = trainer
        log = self._log(trainer)
        if not log:
            return
        last = log[-1]['epoch'] == self.epochs
        if last or time.monotonic() - self._drawn[1] >= self.interval:
            self._draw(trainer, log)

    def _draw(self, trainer, log):
        ax = plotting.new_axes()
        plotting.plot_loss(log, self.keys, ax=ax)
        plotting.save_figure(ax.figure, os.path.join(trainer.out,
                                                     self.filename))
        self._drawn = (len(log), time.monotonic())

    def finalize(self):
        # A run stopped early (or by an error) draws what it logged since;
        # an error here must not hide the one that stopped the run.
        trainer = self._trainer
        if trainer is None:
            return
        log = self._log(trainer)
        if log and self._drawn[0] < len(log):
            try:
                self._draw(trainer, log)
            except OSError:
                pass


class EpochLine(_LogReader):
    """Prints one plain line every ``period`` epochs and at the last one:
    epoch, losses, elapsed and remaining time.

    Made for logs and pipes, where a progress bar's cursor codes are noise.
    Reads the newest entry of the LogReport log. It runs every epoch and
    keeps no state, so runs with and without it resume each other's
    snapshots.

    Args:
        keys (sequence): Log keys to print.
        epochs (int): Epochs of the whole run (for the remaining time).
        period (int): Epochs between lines.
        prefix (str): Printed first (e.g. which ensemble member).
        out: Stream (default ``sys.stdout`` at the time of printing).
        log_name (str): Name of the LogReport extension to read.
    """

    def __init__(self, keys, epochs, period=1, prefix='', out=None,
                 log_name='LogReport'):
        super().__init__(keys, epochs, log_name)
        self.period = period
        self.prefix = prefix
        self.out = out

    def __call__(self, trainer):
        import sys
        log = self._log(trainer)
        if not log:
            return
        entry = log[-1]
        if entry['epoch'] % self.period and entry['epoch'] != self.epochs:
            return
        done = trainer.updater.epoch_detail
        elapsed = trainer.elapsed_time
        remaining = elapsed / done * max(0.0, self.epochs - done) \
            if done > 0 else float('nan')
        parts = ['{}epoch {}/{}'.format(self.prefix, entry['epoch'],
                                        self.epochs)]
        parts += ['{} {:.4g}'.format(key.replace('validation/main/', 'val ')
                                     .replace('main/', ''), entry[key])
                  for key in self.keys if key in entry]
        parts.append('elapsed {:.1f}s remaining {:.1f}s'.format(elapsed,
                                                                remaining))
        print('  '.join(parts), file=self.out or sys.stdout, flush=True)


def linear_decay(epochs, start, attr='alpha'):
    """An extension that decays the optimizer's step linearly to zero.

    Before every update the step is ``start * (1 - epoch_detail / epochs)``,
    computed from the updater's progress (set when the run starts and after
    each update), so a resumed run continues exactly.

    Args:
        epochs (int): Epochs over which the step reaches zero.
        start (float): The step at epoch 0.
        attr (str): The optimizer's hyperparameter (Adam's ``alpha``).

    Returns:
        callable: The extension.
    """
    def decay(trainer):
        progress = trainer.updater.epoch_detail / float(epochs)
        setattr(trainer.updater.get_optimizer('main'), attr,
                start * max(0.0, 1.0 - progress))

    return training.make_extension(trigger=(1, 'iteration'),
                                   initializer=decay)(decay)
