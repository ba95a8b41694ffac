"""The forecasting network: all variables at t in, all variables at t+pred out."""
import chainer
import chainer.functions as F
import chainer.links as L

from lstm_chainer._checks import check_int


class Model(chainer.Chain):
    """Linear -> LSTM (one or more) -> Linear, one time step per call.

    With the defaults this is exactly the article's network: ``l1``
    (``Linear(n_input, n_units)``), ``l2`` (``LSTM(n_units, n_units)``) and
    ``l3`` (``Linear(n_units, n_output)``). Further LSTM layers are named
    ``l2_2``, ``l2_3``, ... so that the default parameter names never change.

    Args:
        n_input (int): Number of input variables.
        n_output (int): Number of output variables (``n_input`` for
            recursive forecasting).
        n_units (int): Width of every hidden layer.
        n_layers (int): Number of stacked LSTM layers.
        dropout (float): Dropout ratio applied to the output of every LSTM
            layer while training (``0`` disables it).
        residual (bool): Predict the change: the output is the input plus
            ``l3(h)`` (needs ``n_input == n_output``). Much easier to learn
            when the series moves little per step (finely sampled dynamics).
    """

    def __init__(self, n_input, n_output, n_units, n_layers=1, dropout=0.0,
                 residual=False):
        super().__init__()
        self.n_input = check_int('n_input', n_input, 1)
        self.n_output = check_int('n_output', n_output, 1)
        self.n_units = check_int('n_units', n_units, 1)
        self.n_layers = check_int('n_layers', n_layers, 1)
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError('dropout must be in [0, 1), got {!r}'.format(
                dropout))
        self.dropout = float(dropout)
        self.residual = bool(residual)
        if self.residual and n_input != n_output:
            raise ValueError('residual=True needs n_input == n_output, got {} '
                             'and {}'.format(n_input, n_output))
        with self.init_scope():
            self.l1 = L.Linear(n_input, n_units)
            self.l2 = L.LSTM(n_units, n_units)
            for k in range(2, n_layers + 1):
                setattr(self, 'l2_{}'.format(k), L.LSTM(n_units, n_units))
            self.l3 = L.Linear(n_units, n_output)

    def config(self):
        """The constructor arguments, JSON-ready (see :meth:`from_config`).

        Returns:
            dict: ``n_input``, ``n_output``, ``n_units``, ``n_layers``,
            ``dropout``, ``residual``.
        """
        return {'n_input': self.n_input, 'n_output': self.n_output,
                'n_units': self.n_units, 'n_layers': self.n_layers,
                'dropout': self.dropout, 'residual': self.residual}

    @classmethod
    def from_config(cls, config):
        """A new model (fresh parameters) from :meth:`config` output.

        Args:
            config (dict): Constructor arguments; missing optional ones take
                their defaults.

        Returns:
            Model: The model.
        """
        return cls(**config)

    @property
    def lstms(self):
        """list of L.LSTM: The LSTM layers, bottom first."""
        return [self.l2] + [getattr(self, 'l2_{}'.format(k))
                            for k in range(2, self.n_layers + 1)]

    def reset_state(self):
        """Forgets the LSTM memory (cell and hidden state of every layer)."""
        for lstm in self.lstms:
            lstm.reset_state()

    def forward(self, x):
        """Advances one time step.

        Args:
            x: Array or Variable of shape ``(batch, n_input)``.

        Returns:
            chainer.Variable: Prediction of shape ``(batch, n_output)``.
        """
        h = self.l1(x)
        for lstm in self.lstms:
            h = lstm(h)
            if self.dropout:
                h = F.dropout(h, self.dropout)
        y = self.l3(h)
        return y + x if self.residual else y
