"""Optimizers: Adam with one update for all parameters at once."""
from __future__ import annotations

import numpy
from chainer import optimizers


class FlatAdam(optimizers.Adam):
    """:class:`chainer.optimizers.Adam` that updates every parameter at once.

    Chainer's Adam updates parameter by parameter: for a small network (the
    article's has seven parameters) that bookkeeping costs more than the
    arithmetic. On the CPU this optimizer keeps the parameters and their
    Adam moments as views into flat buffers and gathers the gradients into
    another, so one update is a handful of NumPy operations over all of
    them — the same operations in the same order, so the results are
    bit-identical to Adam's. Everything else is Adam's: hyperparameters,
    per-parameter states (``m``, ``v``) in snapshots, optimizer hooks
    (gradient clipping, weight decay), ChainerMN's multi-node wrapper.

    What the flat update does not cover runs Adam's own per-parameter
    update, unchanged: arrays not in NumPy (a GPU), AMSGrad or AdaBound,
    per-parameter hyperparameters, hooks or disabled update rules, loss
    scaling, mixed dtypes.

    Args:
        **kwargs: Adam's hyperparameters (``alpha``, ``beta1``, ...).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._flat = None

    def update(self, lossfun=None, *args, **kwds):
        """Updates the parameters (see :meth:`chainer.Optimizer.update`)."""
        if lossfun is not None:
            loss = lossfun(*args, **kwds)
            if getattr(self, '_use_cleargrads', True):
                self.target.cleargrads()
            else:
                self.target.zerograds()
            loss.backward(loss_scale=self._loss_scale)
            del loss
        flat = self._flat_buffers()
        if flat is None:
            return super().update()
        self.reallocate_cleared_grads()
        self.check_nan_in_grads()
        self.call_hooks('pre')
        self.t += 1
        if self.is_safe_to_update():
            self._flat_update(flat)
        self.reallocate_cleared_grads()
        self.call_hooks('post')
        self.update_loss_scale()

    def _eligible(self):
        """The parameters when the flat update computes what Adam would."""
        hp = self.hyperparam
        if self._loss_scale is not None or hp.amsgrad or hp.adabound:
            return None
        params = list(self.target.params())
        if not params:
            return None
        dtype, t = params[0].dtype, params[0].update_rule.t
        if dtype.kind != 'f' or dtype.itemsize < 4:
            return None
        for p in params:
            rule = p.update_rule
            hooks = rule._hookable
            if (type(p.array) is not numpy.ndarray or p.dtype != dtype
                    or type(rule) is not optimizers.adam.AdamRule
                    or not rule.enabled or rule._use_fp32_update
                    or hooks._pre_update_hooks or hooks._post_update_hooks
                    # Own hyperparameters: Hyperparameter keeps only its
                    # parent in __dict__ until one is set.
                    or rule.hyperparam.parent is not hp
                    or len(vars(rule.hyperparam)) != 1
                    or rule.t != t):
                return None
        return params

    def reallocate_cleared_grads(self):
        flat = self._flat
        if flat is None:
            return super().reallocate_cleared_grads()
        for p in flat['params']:
            if p.grad is None:
                p.grad = numpy.zeros_like(p.array)

    def _flat_buffers(self):
        params = self._eligible()
        if params is None:
            self._flat = None
            return None
        flat = self._flat
        if flat is not None and len(flat['params']) == len(params) and all(
                p is q and p.array is view and p.update_rule.state is not None
                and p.update_rule.state.get('m') is m
                and p.update_rule.state.get('v') is v
                for p, q, view, m, v in zip(
                    params, flat['params'], flat['views'], flat['m_views'],
                    flat['v_views'])):
            return flat
        # (Re)build: first use, or arrays replaced (a deserializer that did
        # not copy in place, a device move, a new parameter).
        sizes = [p.size for p in params]
        total, dtype = sum(sizes), params[0].dtype
        flat = {'params': params, 'data': numpy.empty(total, dtype),
                'm': numpy.zeros(total, dtype), 'v': numpy.zeros(total, dtype),
                'grad': numpy.empty(total, dtype),
                'scratch': numpy.empty(total, dtype),
                'views': [], 'm_views': [], 'v_views': []}
        start = 0
        for p, n in zip(params, sizes):
            part = slice(start, start + n)
            start += n
            view = flat['data'][part].reshape(p.shape)
            view[...] = p.array
            p.array = view
            rule = p.update_rule
            if rule.state is None:
                rule._state = {}  # as UpdateRule._init_states does
            views = []
            for key in ('m', 'v'):
                state = flat[key][part].reshape(p.shape)
                if rule.state.get(key) is not None:
                    state[...] = rule.state[key]
                rule.state[key] = state
                views.append(state)
            flat['views'].append(view)
            flat['m_views'].append(views[0])
            flat['v_views'].append(views[1])
        self._flat = flat
        return flat

    def _flat_update(self, flat):
        """Adam's ``update_core_cpu`` on the flat buffers."""
        params = flat['params']
        for p in params:
            p.update_rule.t += 1
        rule = params[0].update_rule
        hp = self.hyperparam
        rule._check_eps(params[0].dtype.type)
        grad, m, v, scratch = flat['grad'], flat['m'], flat['v'], \
            flat['scratch']
        numpy.concatenate([p.grad.ravel() for p in params], out=grad)
        # m += (1 - beta1) * (grad - m)
        numpy.subtract(grad, m, out=scratch)
        scratch *= 1.0 - hp.beta1
        m += scratch
        # v += (1 - beta2) * (grad * grad - v)
        numpy.multiply(grad, grad, out=scratch)
        scratch -= v
        scratch *= 1.0 - hp.beta2
        v += scratch
        # step = alpha_t / (sqrt(v) + eps); param -= eta * (step * m) (with
        # weight decay: param = (1 - eta * rate) * param - eta * step * m)
        numpy.sqrt(v, out=scratch)
        scratch += hp.eps
        numpy.divide(rule.alpha_t, scratch, out=scratch)
        scratch *= m
        decay = 1.0 - hp.eta * hp.weight_decay_rate
        if decay == 1:
            scratch *= -hp.eta
            flat['data'] += scratch
        else:
            data = flat['data']
            data *= decay
            scratch *= -hp.eta
            data += scratch
