"""Command line: ``lstm-chainer train | valid | pred`` over CSV files.

A thin layer over the public API: every problem with the input ends in one
line on stderr and exit status 2, before anything in the output directory
is touched.
"""
import argparse
import os
import sys

import numpy

import lstm_chainer as lc
from lstm_chainer import plotting
from lstm_chainer._checks import check_int
from lstm_chainer._io import write_csv
from lstm_chainer.baselines import persistence_squared_errors, skill_table
from lstm_chainer.distributed import create_communicator
from lstm_chainer.saved import META_FILE, SavedModel

VALID_BATCH = 1024
TOTAL = 'Total (std units)'


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message):
        self.exit(2, '{}: error: {}\n'.format(self.prog, message))


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'not a number: {!r}'.format(text)) from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            'must be in (0, 1), got {}'.format(text))
    return value


def _columns(text):
    names = [c.strip() for c in text.split(',')]
    if not all(names):
        raise argparse.ArgumentTypeError(
            'empty column name in {!r}'.format(text))
    return names


def build_parser():
    parser = _Parser(prog='lstm-chainer', description=(
        'Train an LSTM on a multivariate time series in a CSV file, '
        'validate its recursive forecasts against persistence, and '
        'forecast past the end of the data.'))
    commands = parser.add_subparsers(dest='command', required=True,
                                      metavar='{train,valid,pred}')

    train = commands.add_parser(
        'train', help='train a model and save it into a directory',
        description='Train on the first part of the series (in time order), '
        'validate on the rest, and save everything needed later into --out. '
        'Running it again on the same --out resumes from the last snapshot.')
    train.add_argument('data', metavar='DATA.csv', help='CSV with a header')
    train.add_argument('--out', required=True, metavar='DIR',
                       help='directory for the model, log and snapshots')
    _data_options(train)
    train.add_argument('--columns', type=_columns, metavar='a,b,c',
                       help='variables to model (default: every numeric '
                       'column except the time column)')
    train.add_argument('--test-size', type=_fraction, default=0.25,
                       help='fraction held out at the end (default 0.25)')
    train.add_argument('--epochs', type=int, default=100,
                       help='training epochs (default 100)')
    train.add_argument('--n-units', type=int, default=100,
                       help='LSTM units (default 100)')
    train.add_argument('--n-layers', type=int, default=1,
                       help='stacked LSTM layers (default 1)')
    train.add_argument('--dropout', type=float, default=0.0,
                       help='dropout ratio after each LSTM layer (default 0)')
    train.add_argument('--residual', action='store_true',
                       help='predict the change from the last value (for '
                       'finely sampled series that move little per step)')
    train.add_argument('--grad-clip', type=float,
                       help='clip the gradient norm to this value')
    train.add_argument('--early-stopping', type=int, metavar='EPOCHS',
                       help='stop when the validation loss has not improved '
                       'for this many epochs')
    train.add_argument('--seq-len', type=int, default=20,
                       help='time steps per training window (default 20)')
    train.add_argument('--support-len', type=int, default=4,
                       help='last step of a window fed with ground truth; '
                       'later steps get the model\'s own predictions '
                       '(default 4)')
    train.add_argument('--batch-size', type=int, default=16,
                       help='windows per iteration (default 16)')
    train.add_argument('--pred', type=int, default=1,
                       help='how far ahead the model predicts (default 1)')
    train.add_argument('--snap', type=int, default=10,
                       help='snapshot interval in epochs (default 10)')
    train.add_argument('--device', default='-1',
                       help="-1 or @numpy: CPU (default); 0 or @cupy:0: GPU")
    train.add_argument('--seed', type=int, default=0,
                       help='seed of the initial weights and windows')
    train.add_argument('--communicator', metavar='NAME',
                       help='train data-parallel under mpiexec -n N with '
                       'this ChainerMN communicator: naive (CPU) or '
                       'pure_nccl (one GPU per process)')

    valid = commands.add_parser(
        'valid', help='recursive validation against persistence',
        description='Forecast recursively from every window of the held-out '
        'part of the training data (or of --data) and print the RMSE per '
        'horizon step, beside the persistence forecast (tomorrow = today) '
        'and the skill 1 - RMSE/RMSE_persistence. Writes valid.csv and '
        'valid.png into DIR.')
    valid.add_argument('model_dir', metavar='DIR', help='trained model')
    valid.add_argument('--data', metavar='CSV',
                       help='validate on this whole file instead')
    _data_options(valid, time_column=False)
    valid.add_argument('--seq-len', type=int,
                       help='forecast horizon (default: training seq_len)')
    valid.add_argument('--support-len', type=int, default=0,
                       help='last step of a window fed with ground truth '
                       '(default 0: forecasts start from one known value)')

    pred = commands.add_parser(
        'pred', help='forecast past the end of the data',
        description='Warm the model up on the whole history (the training '
        'data, or --data) and forecast --steps values past its end. Writes '
        'forecast.csv (future timestamps continue the time column) and '
        'forecast.png into DIR.')
    pred.add_argument('model_dir', metavar='DIR', help='trained model')
    pred.add_argument('--steps', type=int, required=True,
                      help='number of future values')
    pred.add_argument('--data', metavar='CSV',
                      help='history to continue (default: the training data)')
    _data_options(pred, time_column=False)
    return parser


def _data_options(parser, time_column=True):
    if time_column:
        parser.add_argument('--time-column', metavar='NAME',
                            help='column of timestamps (dates)')
    parser.add_argument('--fill', choices=['interpolate'],
                        help='fill empty or NaN cells instead of refusing')


def cmd_train(args):
    for name in ('epochs', 'n_units', 'n_layers', 'seq_len', 'batch_size',
                 'pred', 'snap'):
        check_int('--' + name.replace('_', '-'), getattr(args, name), 1)
    check_int('--support-len', args.support_len, 0)
    comm = None
    if args.communicator:
        comm = create_communicator(args.communicator)
        if lc.get_device(args.device).xp is not numpy:
            args.device = '@cupy:{}'.format(comm.intra_rank)  # one per rank
    device = lc.get_device(args.device)
    data = lc.load_csv(args.data, args.columns, args.time_column, args.fill)
    train, test = lc.split_series(data, args.test_size)
    need = args.seq_len + args.pred
    if len(train) < need or len(test) < need:
        raise ValueError(
            '{}: {} rows are too few: with --test-size {} the training part '
            'has {} and the test part {} rows, each needs seq_len + pred = {}'
            .format(args.data, len(data), args.test_size, len(train),
                    len(test), need))
    _check_existing_model(args.out, data, args)

    scaler = lc.Scaler.fit(train)
    trainer = lc.get_trainer(
        scaler.transform(train), args.n_units, device=device,
        batch_size=args.batch_size, seq_len=args.seq_len,
        support_len=args.support_len, pred=args.pred, out=args.out,
        snap=args.snap, epoch=args.epochs, test=scaler.transform(test),
        seed=args.seed, n_layers=args.n_layers, comm=comm,
        dropout=args.dropout, residual=args.residual,
        grad_clip=args.grad_clip, early_stopping=args.early_stopping)
    trainer.run()
    if comm is not None and comm.rank != 0:
        return  # rank 0 saves and reports

    forecaster = lc.Forecaster(trainer.updater.predictor.copy(mode='copy'),
                               scaler, pred=args.pred)
    forecaster.model.to_device('@numpy')
    lc.save_model(
        args.out, forecaster, columns=list(data.columns),
        time_column=args.time_column, freq=lc.time_step(data.index),
        seq_len=args.seq_len, support_len=args.support_len,
        data={'path': os.path.abspath(args.data), 'rows': len(data),
              'test_size': args.test_size, 'test_rows': len(test),
              'fill': args.fill},
        training={'epochs': args.epochs, 'batch_size': args.batch_size,
                  'seed': args.seed,
                  'iterations': trainer.updater.iteration})
    test_iter = lc.LSTM_Iterator(test, VALID_BATCH, args.seq_len,
                                 repeat=False, pred=args.pred)
    table = lc.valid(forecaster, test_iter, total=TOTAL)
    print('\nsaved the model to {}; recursive validation RMSE in data units '
          '(horizon 1 and {}):'.format(args.out, args.seq_len))
    print(table.iloc[[0, -1]].to_string(float_format='{:.4g}'.format))


def _check_existing_model(out, data, args):
    """Refuses an --out that holds a model of other data or sizes."""
    if not os.path.isfile(os.path.join(out, META_FILE)):
        return
    record = SavedModel.read(out)
    mismatch = []
    if record.columns != list(data.columns):
        mismatch.append('columns {} (now {})'.format(record.columns,
                                                     list(data.columns)))
    for key, value in (('n_units', args.n_units), ('n_layers', args.n_layers),
                       ('residual', args.residual)):
        if record.model.get(key, False) != value:
            mismatch.append('{} {} (now {})'.format(
                key, record.model.get(key, False), value))
    if record.pred != args.pred:
        mismatch.append('pred {} (now {})'.format(record.pred, args.pred))
    if mismatch:
        raise ValueError('{} holds a model trained with {}; use another '
                         '--out'.format(out, ', '.join(mismatch)))


def _model_data(args, forecaster):
    """The CSV a command works on, read with the model's columns."""
    record = forecaster.record
    time_column = record.time_column
    if args.data is not None:
        path, fill = args.data, args.fill
    else:
        path = record.data.path
        fill = args.fill or record.data.fill
        if not os.path.isfile(path):
            raise ValueError('the training data {} is gone; pass --data'
                             .format(path))
    data = lc.load_csv(path, None, time_column, fill)
    missing = [c for c in forecaster.columns if c not in data.columns]
    if missing:
        raise ValueError('{}: lacks the column(s) {} that the model in {} was '
                         'trained on ({})'.format(
                             path, ', '.join(map(repr, missing)),
                             args.model_dir, ', '.join(forecaster.columns)))
    data = data[forecaster.columns]
    if args.data is None and len(data) != record.data.rows:
        raise ValueError('{} has {} rows, {} when the model was trained; pass '
                         '--data to use it as it is now'.format(
                             path, len(data), record.data.rows))
    return data


def cmd_valid(args):
    forecaster = lc.load_model(args.model_dir)
    data = _model_data(args, forecaster)
    if args.data is None:
        data = data.iloc[len(data) - forecaster.record.data.test_rows:]
    seq_len = args.seq_len or forecaster.record.seq_len or 20
    check_int('--seq-len', seq_len, 1)
    check_int('--support-len', args.support_len, 0)
    need = seq_len + forecaster.pred
    if len(data) < need:
        raise ValueError('the validation data has {} rows; --seq-len {} needs '
                         'at least {}'.format(len(data), seq_len, need))
    test_iter = lc.LSTM_Iterator(data, VALID_BATCH, seq_len, repeat=False,
                                 pred=forecaster.pred)
    model_table = lc.valid(forecaster, test_iter, total=TOTAL,
                           s=args.support_len)
    baseline = lc.rmse_table(
        *persistence_squared_errors(test_iter, args.support_len),
        columns=forecaster.columns, total=TOTAL,
        scale=forecaster.scaler.scale)
    table = skill_table(model_table, baseline)

    path = os.path.join(args.model_dir, 'valid.csv')
    write_csv(table, path)
    axes = plotting.new_axes_column(len(model_table.columns))
    plotting.plot_skill(table, axes=axes)
    plotting.save_figure(axes[0].figure,
                         os.path.join(args.model_dir, 'valid.png'))
    print('Recursive forecast RMSE per horizon step ({} windows, data '
          'units), persistence and skill = 1 - model/persistence:'.format(
              test_iter.n_windows))
    print(table.to_string(float_format='{:.4g}'.format))
    print('wrote {} and valid.png'.format(path))


def cmd_pred(args):
    check_int('--steps', args.steps, 1)
    forecaster = lc.load_model(args.model_dir)
    history = _model_data(args, forecaster)
    freq = forecaster.record.freq if args.data is None else None
    future = lc.forecast(forecaster, history, args.steps, freq=freq)
    future.index.name = history.index.name or 't'

    path = os.path.join(args.model_dir, 'forecast.csv')
    write_csv(future, path)
    axes = plotting.new_axes_column(len(future.columns))
    tail = history.iloc[-max(3 * args.steps, 50):]
    plotting.plot_forecast(tail, future, axes=axes)
    plotting.save_figure(axes[0].figure,
                         os.path.join(args.model_dir, 'forecast.png'))
    print(future.to_string(float_format='{:.6g}'.format))
    print('wrote {} and forecast.png'.format(path))


COMMANDS = {'train': cmd_train, 'valid': cmd_valid, 'pred': cmd_pred}


def main(argv=None):
    """Runs the command line; returns the exit status.

    Args:
        argv (list): Arguments (default ``sys.argv[1:]``).

    Returns:
        int: 0 on success (and for ``--help``), 2 on bad input.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors (2) and --help (0)
        return e.code
    try:
        COMMANDS[args.command](args)
    except ValueError as e:
        # Under mpiexec every process meets the same bad input (resume
        # errors are agreed collectively), so all exit 2 and one reports.
        # Anything else that escapes aborts the whole job (see distributed).
        if _mpi_rank() == 0:
            print('lstm-chainer {}: error: {}'.format(args.command, e),
                  file=sys.stderr)
        return 2
    return 0


def _mpi_rank():
    """This process's rank under mpiexec (0 without MPI)."""
    for name in ('OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'PMIX_RANK'):
        if name in os.environ:
            return int(os.environ[name])
    return 0
