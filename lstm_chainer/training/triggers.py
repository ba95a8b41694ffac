"""Early stopping whose state survives snapshot and resume."""
from chainer import training
from chainer.training import util


class EarlyStopping(training.Extension):
    """Stops training when ``monitor`` has not improved for ``patience`` checks.

    Chainer's ``EarlyStoppingTrigger`` reads the value one iteration later,
    as the trainer's stop trigger, so after a resume the first check finds
    no value and the run drifts from an uninterrupted one. Here the check
    is an extension that runs right after the evaluator, its state is in the
    snapshot, and :attr:`stop_trigger` (the trainer's stop trigger) only
    reads the verdict.

    Args:
        monitor (str): Reported value to minimise.
        patience (int): Checks without improvement before stopping.
        max_trigger: Stop at this point in any case, e.g. ``(100, 'epoch')``.
        check_trigger: When to check (default every epoch).
    """

    priority = training.PRIORITY_READER

    def __init__(self, monitor='validation/main/loss', patience=3,
                 max_trigger=(100, 'epoch'), check_trigger=(1, 'epoch')):
        self.monitor = monitor
        self.patience = patience
        self.trigger = check_trigger
        self.best = float('inf')
        self.count = 0
        self.stopped = False
        self.stop_trigger = _StopTrigger(self, max_trigger)

    def __call__(self, trainer):
        if self.monitor not in trainer.observation:
            return
        value = float(trainer.observation[self.monitor])
        if value < self.best:
            self.best, self.count = value, 0
        else:
            self.count += 1
        self.stopped = self.count >= self.patience

    def serialize(self, serializer):
        self.best = float(serializer('best', self.best))
        self.count = int(serializer('count', self.count))
        self.stopped = bool(serializer('stopped', self.stopped))


class _StopTrigger:
    """Fires at ``max_trigger`` or once the early-stopping check says so."""

    def __init__(self, early_stopping, max_trigger):
        self._early_stopping = early_stopping
        self._max_trigger = util.get_trigger(max_trigger)

    def __call__(self, trainer):
        at_max = self._max_trigger(trainer)
        return at_max or self._early_stopping.stopped

    def get_training_length(self):
        return self._max_trigger.get_training_length()

    def serialize(self, serializer):
        self._max_trigger.serialize(serializer['max_trigger'])
