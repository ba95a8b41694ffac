"""Gaussian output head against conformal intervals, on the same network.

Issue 13 asked for a Gaussian likelihood head (mean and log-variance,
negative log-likelihood loss, sampled trajectories through the recursion as
DeepAR does) as an option if it measures better than the conformal
intervals. This experiment measures it before building it in: on each
real series of ``realdata.py``, with the settings ``lstm-chainer train``
chooses (transforms, scaling, context, horizon, windows), one network of
the default size is trained with a Gaussian head (step by step; its mean is
fed back). From every held-out origin it forecasts:

* the point forecast: the path that feeds back the mean;
* Gaussian intervals: quantiles of 200 trajectories that feed back samples;
* conformal intervals around the same point forecast, started on the first
  half of the origins and tracked over the rest (``Backtest.intervals``).

Both interval kinds are scored on the later half of the origins (coverage,
MSIS scaled like MASE); the point forecast's MASE is printed beside the
default ensemble's for reference.

    python benchmarks/likelihood.py            # about 5 minutes
    python benchmarks/likelihood.py --only co2 nile
"""
import argparse
import os
import sys
import tempfile

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import chainer  # noqa: E402, I001
import chainer.functions as F  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import lstm_chainer as lc  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _realdata_sets import DATASETS  # noqa: E402

LEVELS = (0.8, 0.95)


def train_gaussian(z, n, settings, iterations, seed):
    """A Model with 2n outputs (mean, log-variance) trained on ``z``."""
    np.random.seed(seed)
    model = lc.Model(n, 2 * n, settings['units'])
    optimizer = lc.FlatAdam()
    optimizer.setup(model)
    it = lc.LSTM_Iterator(z.astype(np.float32),
                          batch_size=settings['batch'],
                          seq_len=settings['seq_len'],
                          support_len=settings['support_len'], seed=seed)
    for _ in range(iterations):
        xs, ts = it.next()
        model.reset_state()
        loss = 0
        y = None
        for i in range(len(xs)):
            out = model(xs[i] if i <= settings['support_len'] else y)
            y, ln_var = out[:, :n], out[:, n:]
            loss += F.gaussian_nll(ts[i], y, ln_var, reduce='mean')
        model.cleargrads()
        loss.backward()
        optimizer.update()
    return model


def forecast(model, windows, horizon, n, samples, rng):
    """Mean path ``(H, B, n)`` and sampled paths ``(H, B, K, n)``."""
    context, batch = windows.shape[:2]
    with chainer.using_config('train', False), \
            chainer.using_config('enable_backprop', False):
        # Mean path and K sampled paths share the warm-up: batch B * (1 + K).
        xs = np.repeat(windows, 1 + samples, axis=1)
        model.reset_state()
        for i in range(context):
            out = model(xs[i]).array
        means = np.empty((horizon, batch, n))
        paths = np.empty((horizon, batch, samples, n))
        for h in range(horizon):
            mu, ln_var = out[:, :n], out[:, n:]
            mu = mu.reshape(batch, 1 + samples, n)
            sd = np.exp(0.5 * ln_var).reshape(batch, 1 + samples, n)
            means[h] = mu[:, 0]
            draw = mu[:, 1:] + sd[:, 1:] * rng.randn(batch, samples, n)
            paths[h] = draw
            fed = np.concatenate([mu[:, :1], draw], axis=1)
            out = model(fed.reshape(-1, n).astype(np.float32)).array
    return means, paths


def run(name, seed, iterations, samples):
    data = DATASETS[name]()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name + '.csv')
        data.to_csv(path, index_label='date')
        data = lc.load_csv(path, time_column='date')
    forecaster = lc.fit_auto(data, seed=seed).validated
    record = forecaster.record
    n = forecaster.n_output
    horizon, context = record.backtest.horizon, record.backtest.context
    train_rows = record.data.rows - record.data.test_rows
    series = data.to_numpy(np.float64)
    lag = forecaster.lag
    z = forecaster._to_model(series)[lag:]  # transformed, scaled
    settings = {'units': forecaster.model.n_units,
                'batch': record.training.batch_size,
                'seq_len': record.seq_len, 'support_len': record.support_len}
    model = train_gaussian(z[:train_rows - lag], n, settings, iterations,
                           seed)
    result = lc.backtest(forecaster, data, horizon, start=train_rows - 1,
                         context=context, season=record.backtest.season,
                         name='LSTM ensemble')
    origins = result.origins
    # Row o of the series is row o - lag of z; the window ends at origin o.
    rows = (origins - lag)[None, :] + np.arange(1 - context, 1)[:, None]
    means, paths = forecast(model, z[rows], horizon, n, samples,
                            np.random.RandomState(seed))

    def levels(y):  # model units -> data units, through the transforms
        y = y * forecaster.scaler.scale[:n] + forecaster.scaler.mean[:n]
        extra = y.shape[2:-1]
        past = series[origins[None, :] + np.arange(1 - lag, 1)[:, None]] \
            if lag else series[:0, None]
        past = past.reshape(past.shape[:2] + (1,) * len(extra) + (n,))
        past = np.broadcast_to(past, past.shape[:2] + extra + (n,))
        return forecaster.transformer.inverse(y, past)

    point = levels(means)
    sampled = levels(paths)
    result.add('gaussian head', point)
    split = len(origins) // 2
    rows_out = {}
    gaussian = {}
    for level in LEVELS:
        tail = (1 - level) / 2
        lower = np.quantile(sampled, tail, axis=2)
        upper = np.quantile(sampled, 1 - tail, axis=2)
        # Symmetric half-widths around the point for interval_scores would
        # misstate skewed bands: score the sampled bands directly.
        actual = result.actual[:, split:]
        lo, up = lower[:, split:], upper[:, split:]
        alpha = 1 - level
        score = (up - lo) + 2 / alpha * np.maximum(lo - actual, 0) \
            + 2 / alpha * np.maximum(actual - up, 0)
        gaussian[level] = {
            'coverage': float(((actual >= lo) & (actual <= up)).mean()),
            'MSIS': float((score / result.scale).mean())}
    _, conformal = result.intervals('gaussian head', LEVELS)
    mase = result.summary()['MASE']
    rows_out = {'origins': len(origins),
                'MASE ensemble': round(mase['LSTM ensemble'], 3),
                'MASE gaussian': round(mase['gaussian head'], 3)}
    for level in LEVELS:
        pct = int(round(100 * level))
        rows_out['gauss cover {}'.format(pct)] = round(
            gaussian[level]['coverage'], 3)
        rows_out['conf cover {}'.format(pct)] = round(
            conformal.loc[level, 'coverage'], 3)
        rows_out['gauss MSIS {}'.format(pct)] = round(
            gaussian[level]['MSIS'], 2)
        rows_out['conf MSIS {}'.format(pct)] = round(
            conformal.loc[level, 'MSIS'], 2)
    return rows_out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', nargs='+', choices=sorted(DATASETS))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--iterations', type=int, default=1500,
                        help='training iterations (the default ensemble '
                        'trains 5 x 300)')
    parser.add_argument('--samples', type=int, default=200)
    args = parser.parse_args()
    rows = {}
    for name in args.only or list(DATASETS):
        rows[name] = run(name, args.seed, args.iterations, args.samples)
        print(name, rows[name], flush=True)
    table = pd.DataFrame(rows).T
    print('\nseed {}: coverage and MSIS on the later half of the origins'
          .format(args.seed))
    print(table.to_string())
    for level in LEVELS:
        pct = int(round(100 * level))
        # MSIS is infinite where too few origins reach the level: compare
        # the sets where both are finite.
        finite = np.isfinite(table[['gauss MSIS {}'.format(pct), 'conf MSIS '
                                    '{}'.format(pct)]].astype(float)).all(
                                        axis=1)
        for kind in ('gauss', 'conf'):
            dev = (table["{} cover {}".format(kind, pct)] - level).abs().round(3)
            msis = table['{} MSIS {}'.format(kind, pct)].astype(float)[finite]
            print('{} % {}: worst coverage miss {:.3f}, within 5 points on '
                  '{} of {} sets, geometric mean MSIS {:.2f} ({} sets)'.format(
                      pct, 'Gaussian head' if kind == 'gauss'
                      else 'conformal (tracked)', dev.max(),
                      int((dev <= 0.05).sum()), len(dev),
                      float(np.exp(np.log(msis).mean())), int(finite.sum())))


if __name__ == '__main__':
    main()
