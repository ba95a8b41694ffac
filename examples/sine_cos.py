"""The article's experiment: learn 0.8 sin(2t) and 0.8 cos(t), forecast.

Defaults reproduce the article (100 units, batch 10, seq_len 10,
support_len 10, 100 epochs). ``--support-len`` below ``--seq-len`` trains on
the model's own predictions, which is what long recursive forecasts need.
Writes into ``--out``: the Trainer log and snapshots, ``data.png``,
``loss.png``, ``valid.csv``/``valid.png`` and ``pred.csv``/``pred.png``.
"""
import argparse
import os
import sys

import lstm_chainer as lc
from lstm_chainer import plotting


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--n-units', type=int, default=100)
    parser.add_argument('--batch-size', type=int, default=10)
    parser.add_argument('--seq-len', type=int, default=10)
    parser.add_argument('--support-len', type=int, default=10,
                        help='last training step fed with ground truth')
    parser.add_argument('--epoch', type=int, default=100)
    parser.add_argument('--snap', type=int, default=10,
                        help='snapshot interval in epochs')
    parser.add_argument('--valid-seq-len', type=int, default=20,
                        help='horizon of the recursive validation')
    parser.add_argument('--pred-seq', type=int, default=75,
                        help='steps forecast from the first test point')
    parser.add_argument('--device', default='-1',
                        help="-1 or @numpy: CPU; 0 or @cupy:0: first GPU")
    parser.add_argument('--out', default='result')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--test', action='store_true',
                        help='tiny and fast run (for the test suite)')
    args = parser.parse_args(argv)
    if args.test:
        args.n_units, args.epoch, args.snap = 16, 2, 1
    return args


def save_plot(draw, path, *data):
    ax = plotting.new_axes()
    draw(*data, ax=ax)
    plotting.save_figure(ax.figure, path)


def main(argv=None):
    args = parse_args(argv)
    train, test = lc.sine_cos()
    os.makedirs(args.out, exist_ok=True)
    save_plot(plotting.plot_series, os.path.join(args.out, 'data.png'),
              train, test)

    trainer = lc.get_trainer(
        train, args.n_units, device=args.device, batch_size=args.batch_size,
        seq_len=args.seq_len, support_len=args.support_len, out=args.out,
        snap=args.snap, epoch=args.epoch, test=test,
        test_seq_len=args.valid_seq_len, seed=args.seed)
    trainer.run()
    model = trainer.updater.predictor

    test_iter = lc.LSTM_Iterator(test, seq_len=args.valid_seq_len,
                                 repeat=False)
    table = lc.valid(model, test_iter)
    table.to_csv(os.path.join(args.out, 'valid.csv'))
    save_plot(plotting.plot_valid, os.path.join(args.out, 'valid.png'),
              table)

    forecast, truth = lc.pred(model, test, args.pred_seq)
    forecast.add_suffix('_pred').join(truth.add_suffix('_truth')).to_csv(
        os.path.join(args.out, 'pred.csv'))
    save_plot(plotting.plot_pred, os.path.join(args.out, 'pred.png'),
              forecast, truth)

    sse, count = lc.persistence_squared_errors(test_iter)
    persistence = lc.rmse_table(sse, count, list(test.columns))['Total']
    print('\nRecursive validation RMSE (horizon x variable), persistence '
          '(the last value repeated) beside it:')
    print(table.assign(persistence=persistence).to_string(
        float_format='{:.4f}'.format))
    if args.support_len >= args.seq_len:
        print('\nThis is the article\'s configuration: with support_len >= '
              'seq_len the model never trains on its own predictions, so '
              'the error grows with the horizon; --support-len 0 --seq-len '
              '30 --epoch 200 trains it recursively.')
    return table


if __name__ == '__main__':
    try:
        main()
    except ValueError as e:
        sys.exit('error: {}'.format(e))
