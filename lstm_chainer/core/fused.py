"""Fused path: a whole unrolled window of :class:`Model` as array code.

Chainer spends most of a small LSTM's time on per-function bookkeeping, not
arithmetic. Here the window — teacher-forced steps and fed-back steps alike —
runs as one :class:`FusedWindow` function node whose forward and backward
(BPTT) are plain ``xp`` code (NumPy on CPU, CuPy on GPU). The model's
parameters are inputs of the node, so optimizers, their hooks, serializers
and snapshots see ordinary gradients.

Two algebraic shortcuts do most of the work:

* Teacher-forced steps have known inputs, so the input layer and the first
  LSTM layer's upward product run as one batched product over all of them
  (through ``G = U1 W1``), and so do the upward products of higher layers.
* A fed-back step's input is the previous output ``y = h_top W3' + b3``, so
  the first layer's pre-activation is ``h_top P' + h1 R1' + m`` with
  ``P = G W3``: one product per step instead of three (``M = P + R1`` for a
  single layer). Outputs of all steps are then one batched product.

A residual model (output = input + l3(h)) runs its fed-back steps with the
inputs explicit instead: ``x[i] = y[i-1]`` costs only products with the few
input variables.
"""
import contextlib
import threading

import chainer
import numpy
from chainer import backend

from lstm_chainer.core import blas
from lstm_chainer.core.loss import mse_sum, mse_sum_grad
from lstm_chainer.core.model import Model


def _gate_order(n_units, xp):
    # F.lstm interleaves the gates per unit (a0 i0 f0 o0 a1 ...); the fused
    # code wants contiguous blocks (a..., i..., f..., o...).
    return xp.arange(4 * n_units).reshape(n_units, 4).T.ravel()


def model_parameters(model):
    """The parameters of a :class:`Model`, in :class:`FusedWindow` order.

    Args:
        model (Model): The model.

    Returns:
        list: ``W1, b1, (upward W, upward b, lateral W) per layer, W3, b3``.
    """
    params = [model.l1.W, model.l1.b]
    for lstm in model.lstms:
        params += [lstm.upward.W, lstm.upward.b, lstm.lateral.W]
    return params + [model.l3.W, model.l3.b]


def _times(x, W, Wt):
    """``x @ W.T`` for a batch of rows ``x``; ``Wt`` is ``W.T``, contiguous.

    With MKL (:mod:`lstm_chainer.core.blas`) large products go there.
    Measured with OpenBLAS (NumPy 1.26, x86_64): a batch of 32 to 128 rows
    times a large weight matrix (256 units and more) runs up to 1.9 times
    faster as ``(W @ x.T).T`` plus a copy; smaller products, and larger
    batches (where the copy costs more than it saves), are faster as they
    are. The rule depends on shapes only, so a run repeats on the same
    installation (MKL's products and NumPy's differ in the last bits).
    """
    if type(x) is numpy.ndarray:
        if blas.backend() == 'mkl':
            return blas.matmul(x, Wt)
        if 32 <= x.shape[0] <= 128 and W.size >= 2 ** 18:
            return numpy.ascontiguousarray((W @ x.T).T)
    return x @ Wt


_CONSTANTS = {}


def _gate_constants(n_units, like):
    """Gate order, scale ``S`` and offset for ``n_units`` (cached per size,
    dtype and device: they are the same for every window)."""
    xp = backend.get_array_module(like)
    key = (n_units, like.dtype.str, xp.__name__,
           str(backend.get_device_from_array(like)))
    if key not in _CONSTANTS:
        H = n_units
        S = xp.full(4 * H, 0.5, dtype=like.dtype)
        S[:H] = 1
        offset = xp.full(4 * H, 0.5, dtype=like.dtype)
        offset[:H] = 0
        _CONSTANTS[key] = (_gate_order(H, xp), S, offset)
    return _CONSTANTS[key]


def _with_ones(x, xp):
    """``[x, 1]``: appends a column of ones to a 2-D array."""
    out = xp.empty((x.shape[0], x.shape[1] + 1), x.dtype)
    out[:, :-1] = x
    out[:, -1] = 1
    return out


def _with_bias(W, b, xp):
    """``[W, b]``: a weight matrix with its bias as the last column."""
    return xp.concatenate([W, b[:, None]], axis=1)


class _Weights:
    """Parameter arrays prepared for the fused loops.

    Gates are reordered into contiguous blocks and every pre-activation is
    scaled by ``S = (1, 1/2, 1/2, 1/2)`` per gate block, so that one
    ``tanh`` gives the cell input and (as ``S tanh + (0, 1/2, 1/2, 1/2)``)
    the three sigmoid gates, as F.lstm computes them. Gradients are taken in
    this scaled space and mapped back by :meth:`unorder`.
    """

    def __init__(self, arrays, feedback, residual=False):
        xp = backend.get_array_module(*arrays)
        self.xp = xp
        self.residual = residual
        # Residual models feed inputs back explicitly: no output-layer fold.
        feedback = feedback and not residual
        self.W1, self.b1 = arrays[0], arrays[1]
        self.W3, self.b3 = arrays[-2], arrays[-1]
        H = self.n_units = self.W1.shape[0]
        L = self.n_layers = (len(arrays) - 4) // 3
        self.order, S, self.offset = _gate_constants(H, self.W1)
        self.S = S
        column = S[:, None]
        layers = arrays[2:-2]
        self.U = [layers[3 * k][self.order] * column for k in range(L)]
        self.c = [layers[3 * k + 1][self.order] * S for k in range(L)]
        self.R = [layers[3 * k + 2][self.order] * column for k in range(L)]
        # Input layer folded into the first LSTM layer.
        self.G = self.U[0] @ self.W1
        self.g = self.U[0] @ self.b1 + self.c[0]
        # Inputs past the outputs are covariates: known at every step, fed
        # beside the fed-back outputs.
        self.n_out = self.W3.shape[0]
        self.n_cov = self.W1.shape[1] - self.n_out if not residual else 0
        self.Gy = self.G[:, :self.n_out] if self.n_cov > 0 else self.G
        if feedback:
            # Output layer folded in as well, for fed-back steps.
            self.P = self.Gy @ self.W3
            self.m = self.Gy @ self.b3 + self.g
            if L == 1:
                self.M = self.P + self.R[0]
        # Per-step products x @ W.T run several times faster with W.T
        # stored contiguously (a transposed view takes a slow BLAS path).
        t = self.transposed = {'G': xp.ascontiguousarray(self.G.T),
                               'W3': xp.ascontiguousarray(self.W3.T)}
        for k in range(L):
            t['R', k] = xp.ascontiguousarray(self.R[k].T)
            if k > 0:
                t['U', k] = xp.ascontiguousarray(self.U[k].T)
        if feedback:
            t['P'] = xp.ascontiguousarray(self.P.T)
            if L == 1:
                t['M'] = xp.ascontiguousarray(self.M.T)
            if self.n_cov > 0:
                t['Gc'] = xp.ascontiguousarray(self.G[:, self.n_out:].T)

    def parameter_grads(self, grads):
        """Gradients from :meth:`_Window.backward` in parameter order.

        Returns:
            list: As :func:`model_parameters`; ``None`` for an unused one.
        """
        result = [grads['W1'], grads['b1']]
        for k in range(self.n_layers):
            result += [None if grads[name, k] is None
                       else self.unorder(grads[name, k]) for name in 'UcR']
        return result + [grads['W3'], grads['b3']]

    def unorder(self, grad):
        """Maps a scaled, block-ordered gradient back to the parameter."""
        out = self.xp.empty_like(grad)
        if grad.ndim == 2:
            out[self.order] = grad * self.S[:, None]
        else:
            out[self.order] = grad * self.S
        return out


# The fed-back variants. Forward: layer 1's pre-activation at fed-back
# step i (the covariates' share, when there are any, added in). Backward:
# what step i sends back to the hidden states of step i - 1.

def _with_covariates(win, z, i):
    if win.zc is not None:
        z += win.zc[i - win.n_forced]
    return z


def _first_folded(win, i):
    """One layer: the fed-back output is folded into ``M = R + P``."""
    w = win.w
    z = _times(win._h_prev(0, i), w.M, w.transposed['M'])
    z += w.m
    return _with_covariates(win, z, i)


def _first_deep(win, i):
    """Stacked layers: the top layer feeds back through ``P``."""
    w, wt = win.w, win.w.transposed
    z = _times(win._h_prev(w.n_layers - 1, i), w.P, wt['P'])
    z += _times(win._h_prev(0, i), w.R[0], wt['R', 0])
    z += w.m
    return _with_covariates(win, z, i)


def _first_masked(win, i):
    """Scheduled sampling: per window, the truth where the mask says so,
    else the fed-back output."""
    w, wt, Fn = win.w, win.w.transposed, win.n_forced
    z = _times(win._h_prev(w.n_layers - 1, i), w.P, wt['P'])
    z += w.m
    z = _with_covariates(win, z, i)
    z = w.xp.where(win.mask[i - Fn][:, None], win.z_truth[i - Fn], z)
    z += _times(win._h_prev(0, i), w.R[0], wt['R', 0])
    return z


def _carry_folded(win, dz, carry_h, i):
    w = win.w
    carry_h[0] = _times(dz[0][i], w.transposed['M'], w.M)


def _carry_deep(win, dz, carry_h, i):
    w, wt, L = win.w, win.w.transposed, win.w.n_layers
    for k in range(L):
        carry_h[k] = _times(dz[k][i], wt['R', k], w.R[k])
    carry_h[L - 1] += _times(dz[0][i], wt['P'], w.P)


def _carry_masked(win, dz, carry_h, i):
    w, wt, L = win.w, win.w.transposed, win.w.n_layers
    fed_back = dz[0][i] * ~win.mask[i - win.n_forced][:, None]
    for k in range(L):
        carry_h[k] = _times(dz[k][i], wt['R', k], w.R[k])
    carry_h[L - 1] += _times(fed_back, wt['P'], w.P)


_FIRST_LAYER = {'folded': _first_folded, 'deep': _first_deep,
                'masked': _first_masked}
_CARRY = {'folded': _carry_folded, 'deep': _carry_deep,
          'masked': _carry_masked}


class _Window:
    """Forward of one window batch, keeping what backward needs if asked.

    Args:
        weights (_Weights): Prepared parameters.
        xs: Ground-truth inputs, at least ``min(support_len + 1, n_steps)``.
        n_steps (int): Steps to run.
        support_len (int): Last step fed with ground truth (-1: none, which
            needs ``state``).
        store (bool): Keep activations for :meth:`backward`.
        state (list): ``(h, c)`` per layer to start from (forward only);
            ``None`` starts from zero, as after ``reset_state()``.
        truth_mask: Boolean ``(n_steps, batch)``: ground truth also where
            true after ``support_len`` (scheduled sampling); ``xs`` must then
            hold every step.
        workspace (Workspace): Where the stored arrays come from (for a
            window whose arrays die with its backward); ``None``: fresh.
    """

    def __init__(self, weights, xs, n_steps, support_len, store, state=None,
                 truth_mask=None, workspace=None):
        w = self.w = weights
        wt = w.transposed
        self.n_steps = T = n_steps
        self.n_forced = Fn = max(0, min(support_len + 1, T))
        B = xs.shape[1]
        H, L = w.n_units, w.n_layers
        self.store = store
        self.xs = xs
        self.h0 = [None] * L if state is None else [h for h, _ in state[0]]
        self._c_last = [None] * L if state is None \
            else [c for _, c in state[0]]
        self.y0 = None if state is None else state[1]
        self.mask = None
        if truth_mask is not None and Fn < T and truth_mask[Fn:].any():
            self.mask = truth_mask[Fn:T]
        self.zc = None
        if w.n_cov > 0 and Fn < T:
            # Covariates' share of the fed-back steps' pre-activations.
            self.zc = (xs[Fn:T, :, w.n_out:].reshape((T - Fn) * B, -1)
                       @ wt['Gc']).reshape(T - Fn, B, -1)
        if self.mask is not None and not w.residual:
            # Pre-activations of the truth inputs, for the steps that mix.
            self.z_truth = (xs[Fn:T].reshape((T - Fn) * B, -1) @ wt['G']
                            + w.g).reshape(T - Fn, B, -1)
        # Hidden states of every layer (kept for every step: outputs and
        # weight gradients are batched products over them).
        self.workspace = workspace
        self.h = [self._empty('h', k, (T, B, H)) for k in range(L)]
        if store:
            self.act = [self._empty('act', k, (T, B, 4 * H))
                        for k in range(L)]
            self.act_grad = [self._empty('act_grad', k, (T, B, 4 * H))
                             for k in range(L)]
            self.cell = [self._empty('cell', k, (T, B, H)) for k in range(L)]
            self.tanh_cell = [self._empty('tanh_cell', k, (T, B, H))
                              for k in range(L)]

        # Teacher-forced block, layer by layer; inputs are known up front.
        if Fn:
            z_in = (xs[:Fn].reshape(Fn * B, -1) @ wt['G'] + w.g).reshape(
                Fn, B, -1)
        for k in range(L if Fn else 0):
            if k > 0:
                z_in = (blas.matmul(self.h[k - 1][:Fn].reshape(Fn * B, H),
                                    wt['U', k])
                        + w.c[k]).reshape(Fn, B, -1)
            for i in range(Fn):
                z = z_in[i]
                h_prev = self._h_prev(k, i)
                if h_prev is not None:
                    z += _times(h_prev, w.R[k], wt['R', k])
                self._cell(z, k, i)
        # How the output is fed back: one variant, one pair of functions
        # (forward: layer 1's pre-activation; backward: the carry).
        self.variant = 'residual' if w.residual else 'masked' \
            if self.mask is not None else 'folded' if L == 1 else 'deep'
        if w.residual:
            self._fed_back_explicit(xs, Fn, T, B)
            return
        first_layer = _FIRST_LAYER[self.variant]
        # Fed-back block, step by step.
        for i in range(Fn, T):
            for k in range(L):
                if k == 0:
                    z = first_layer(self, i)
                else:
                    z = _times(self.h[k - 1][i], w.U[k], wt['U', k])
                    z += _times(self._h_prev(k, i), w.R[k], wt['R', k])
                    z += w.c[k]
                self._cell(z, k, i)
        top = self.h[L - 1].reshape(T * B, H)
        self.y = (top @ wt['W3'] + w.b3).reshape(T, B, -1)

    def _fed_back_explicit(self, xs, Fn, T, B):
        """Residual model: outputs per step, inputs ``x[i] = y[i-1]``."""
        w, wt, xp = self.w, self.w.transposed, self.w.xp
        L, H = w.n_layers, w.n_units
        y = xp.empty((T, B, w.W3.shape[0]), w.W3.dtype)
        if Fn:
            top = self.h[L - 1][:Fn].reshape(Fn * B, H)
            y[:Fn] = (top @ wt['W3'] + w.b3).reshape(Fn, B, -1) + xs[:Fn]
        if self.store:
            self.x_fed = xp.empty((T - Fn, B, w.W1.shape[1]), w.W1.dtype)
        y_prev = y[Fn - 1] if Fn else self.y0
        for i in range(Fn, T):
            x = y_prev
            if self.mask is not None:
                x = xp.where(self.mask[i - Fn][:, None], xs[i], x)
            if self.store:
                self.x_fed[i - Fn] = x
            for k in range(L):
                if k == 0:
                    z = x @ wt['G']
                    z += w.g
                else:
                    z = _times(self.h[k - 1][i], w.U[k], wt['U', k])
                    z += w.c[k]
                h_prev = self._h_prev(k, i)
                if h_prev is not None:
                    z += _times(h_prev, w.R[k], wt['R', k])
                self._cell(z, k, i)
            y[i] = x + self.h[L - 1][i] @ wt['W3'] + w.b3
            y_prev = y[i]
        self.y = y

    def _empty(self, name, k, shape, dtype=None):
        """An uninitialised array, the workspace's where there is one."""
        dtype = dtype or self.w.W1.dtype
        if self.workspace is None:
            return self.w.xp.empty(shape, dtype)
        return self.workspace.empty((name, k), shape, dtype)

    def _h_prev(self, k, i):
        return self.h[k][i - 1] if i > 0 else self.h0[k]

    @property
    def state(self):
        """tuple: ``(h, c)`` per layer and the output, after the last step."""
        return ([(h[-1], c) for h, c in zip(self.h, self._c_last)],
                self.y[-1])

    def _cell(self, z, k, i):
        xp, w, H = self.w.xp, self.w, self.w.n_units
        if self.store:
            # act_grad keeps tanh(z) until _act_grads turns it into the
            # derivative. S t + offset is t on the cell input and t / 2 +
            # 1/2 on a gate: scalar operations run faster than broadcast
            # ones.
            t = xp.tanh(z, out=self.act_grad[k][i])
            act = xp.multiply(t, 0.5, out=self.act[k][i])
            act += 0.5
            act[:, :H] = t[:, :H]
        else:
            t = xp.tanh(z, out=z)
            act = t
            act *= w.S
            act += w.offset
        a, ig, f, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], \
            act[:, 3 * H:]
        if self.store:
            c, tc = self.cell[k][i], self.tanh_cell[k][i]
            c_prev = self.cell[k][i - 1] if i > 0 else None
        else:
            c, tc = None, None
            c_prev = self._c_last[k]
        c = xp.multiply(a, ig, out=c)
        if c_prev is not None:
            # tc is scratch until it holds tanh(c).
            fc = f * c_prev if tc is None else xp.multiply(f, c_prev, out=tc)
            c += fc
        tc = xp.tanh(c, out=tc)
        xp.multiply(o, tc, out=self.h[k][i])
        if not self.store:
            self._c_last[k] = c

    def _act_grads(self):
        """``d act / d z = (1 - t^2) S`` from the stored ``t = tanh(z)``,
        in place, for every step and layer at once."""
        xp, H = self.w.xp, self.w.n_units
        for t in self.act_grad:
            xp.square(t, out=t)
            xp.subtract(1, t, out=t)
            t[..., H:] *= 0.5  # S on the gates

    def backward(self, gy):
        """Gradients of the weights (block gate order) given ``dL/dy``."""
        self._act_grads()
        if self.w.residual:
            return self._backward_explicit(gy)
        w, wt, xp = self.w, self.w.transposed, self.w.xp
        T, Fn, L, H = self.n_steps, self.n_forced, w.n_layers, w.n_units
        B = gy.shape[1]
        carry = _CARRY[self.variant]
        top = self.h[L - 1]
        gy2 = gy.reshape(T * B, -1)
        grads = {'W3': gy2.T @ top.reshape(T * B, H), 'b3': gy2.sum(axis=0)}
        dh_out = (gy2 @ w.W3).reshape(T, B, H)
        dz = [self._empty('dz', k, (T, B, 4 * H), gy.dtype)
              for k in range(L)]
        carry_h = [xp.zeros((B, H), gy.dtype) for _ in range(L)]
        carry_c = [xp.zeros((B, H), gy.dtype) for _ in range(L)]

        # Fed-back block in reverse, all layers at each step.
        for i in range(T - 1, Fn - 1, -1):
            up = None
            for k in reversed(range(L)):
                dh = carry_h[k]
                if k == L - 1:
                    dh = dh + dh_out[i]
                if up is not None:
                    dh = dh + up
                self._cell_backward(dh, carry_c, dz, k, i)
                if k > 0:
                    up = _times(dz[k][i], wt['U', k], w.U[k])
            carry(self, dz, carry_h, i)
        self._forced_backward(dh_out[:Fn], carry_h, carry_c, dz)

        # Weight gradients as batched products over all steps.
        for k in range(L):
            dzk = dz[k].reshape(T * B, -1)
            # With one layer, the lateral products of fed-back steps are
            # also those of P; they are added in below, not computed twice.
            last = Fn if (k == 0 and L == 1 and self.mask is None) else T
            if last > 1:
                grads['R', k] = blas.matmul(
                    dz[k][1:last].reshape((last - 1) * B, -1).T,
                    self.h[k][:last - 1].reshape((last - 1) * B, H))
            else:
                grads['R', k] = None  # unused, as in the step-by-step path
            if k > 0:
                grads['U', k] = blas.matmul(
                    dzk.T, self.h[k - 1].reshape(T * B, H))
                grads['c', k] = dzk.sum(axis=0)
        # Layer 1 through G (input layer folded in) on forced steps and
        # through P, m (output layer too) on fed-back steps; a bias is a
        # weight on a column of ones, so each pair is one product.
        forced = dz[0][:Fn].reshape(Fn * B, -1)
        dGg = forced.T @ _with_ones(self.xs[:Fn].reshape(Fn * B, -1), xp)
        if Fn < T:
            fed = dz[0][Fn:]
            if self.mask is not None:
                truth = self.mask[..., None]
                dGg += (fed * truth).reshape((T - Fn) * B, -1).T \
                    @ _with_ones(self.xs[Fn:T].reshape((T - Fn) * B, -1), xp)
                fed = fed * ~truth
            fed = fed.reshape((T - Fn) * B, -1)
            dPm = blas.matmul(
                fed.T, _with_ones(top[Fn - 1:T - 1].reshape(-1, H), xp))
            if L == 1 and self.mask is None:
                if grads['R', 0] is None:
                    grads['R', 0] = dPm[:, :-1].copy()
                else:
                    grads['R', 0] += dPm[:, :-1]
            # Unfold P = Gy W3 and m = Gy b3 + g (Gy: G's output columns).
            dGg[:, :w.n_out] += dPm @ _with_bias(w.W3, w.b3, xp).T
            dGg[:, -1] += dPm[:, -1]
            if w.n_cov > 0:
                dGg[:, w.n_out:-1] += fed.T @ self.xs[Fn:T, :, w.n_out:] \
                    .reshape((T - Fn) * B, -1)
            W3b3 = w.Gy.T @ dPm
            grads['W3'] += W3b3[:, :-1]
            grads['b3'] += W3b3[:, -1]
        self._unfold_input_layer(grads, dGg)
        return grads

    def _backward_explicit(self, gy):
        """Backward of a residual model (inputs fed back explicitly)."""
        w, wt, xp = self.w, self.w.transposed, self.w.xp
        T, Fn, L, H = self.n_steps, self.n_forced, w.n_layers, w.n_units
        B = gy.shape[1]
        top = self.h[L - 1]
        dY = gy.copy()  # total gradient of every output
        dz = [self._empty('dz', k, (T, B, 4 * H), gy.dtype)
              for k in range(L)]
        carry_h = [xp.zeros((B, H), gy.dtype) for _ in range(L)]
        carry_c = [xp.zeros((B, H), gy.dtype) for _ in range(L)]
        dy_carry = xp.zeros_like(gy[0])  # into y[i] as input of step i + 1
        for i in range(T - 1, Fn - 1, -1):
            dY[i] += dy_carry
            up = dY[i] @ w.W3
            for k in reversed(range(L)):
                self._cell_backward(carry_h[k] + up, carry_c, dz, k, i)
                up = _times(dz[k][i], wt['U', k], w.U[k]) if k > 0 else None
                carry_h[k] = _times(dz[k][i], wt['R', k], w.R[k])
            # y[i] = x[i] + ...: the input gets dY[i] and what layer 1 sends.
            dx = dY[i] + dz[0][i] @ w.G
            if self.mask is not None:
                dx = dx * ~self.mask[i - Fn][:, None]
            dy_carry = dx
        if Fn:
            dY[Fn - 1] += dy_carry
        dh_out = (dY[:Fn].reshape(Fn * B, -1) @ w.W3).reshape(Fn, B, H)
        self._forced_backward(dh_out, carry_h, carry_c, dz)

        dY2 = dY.reshape(T * B, -1)
        grads = {'W3': dY2.T @ top.reshape(T * B, H), 'b3': dY2.sum(axis=0)}
        for k in range(L):
            dzk = dz[k].reshape(T * B, -1)
            grads['R', k] = None if T == 1 else blas.matmul(
                dz[k][1:].reshape((T - 1) * B, -1).T,
                self.h[k][:-1].reshape((T - 1) * B, H))
            if k > 0:
                grads['U', k] = blas.matmul(
                    dzk.T, self.h[k - 1].reshape(T * B, H))
                grads['c', k] = dzk.sum(axis=0)
        inputs = self.xs[:Fn] if Fn == T else xp.concatenate(
            [self.xs[:Fn], self.x_fed])
        dGg = dz[0].reshape(T * B, -1).T \
            @ _with_ones(inputs.reshape(T * B, -1), xp)
        self._unfold_input_layer(grads, dGg)
        return grads

    def _forced_backward(self, dh_out, carry_h, carry_c, dz):
        """Teacher-forced block in reverse, layer by layer from the top.

        ``dh_out`` is the output layer's gradient into the top hidden states
        of the forced steps; ``carry_h``/``carry_c`` hold what the first
        fed-back step sends back.
        """
        w, wt, Fn = self.w, self.w.transposed, self.n_forced
        L, H, B = w.n_layers, w.n_units, dh_out.shape[1]
        for k in reversed(range(L)):
            if k == L - 1:
                dh_in = dh_out
            else:
                dh_in = (blas.matmul(dz[k + 1][:Fn].reshape(Fn * B, -1),
                                     w.U[k + 1])
                         ).reshape(Fn, B, H)
            for i in range(Fn - 1, -1, -1):
                self._cell_backward(dh_in[i] + carry_h[k], carry_c, dz, k, i)
                if i > 0:
                    carry_h[k] = _times(dz[k][i], wt['R', k], w.R[k])

    def _unfold_input_layer(self, grads, dGg):
        """Gradients of U1, c1, W1, b1 from those of ``[G, g]``."""
        w, xp = self.w, self.w.xp
        grads['U', 0] = dGg @ _with_bias(w.W1, w.b1, xp).T
        grads['c', 0] = xp.ascontiguousarray(dGg[:, -1])
        W1b1 = w.U[0].T @ dGg
        # Contiguous: communicators (ChainerMN) and kernels expect it.
        grads['W1'] = xp.ascontiguousarray(W1b1[:, :-1])
        grads['b1'] = xp.ascontiguousarray(W1b1[:, -1])

    def _cell_backward(self, dh, carry_c, dz, k, i):
        xp, H = self.w.xp, self.w.n_units
        act = self.act[k][i]
        a, ig, f, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], \
            act[:, 3 * H:]
        tc = self.tanh_cell[k][i]
        out = dz[k][i]
        # dL/dc = carry + dh * o * (1 - tanh(c)^2), as carry - (dh tc^2 -
        # dh) o in place.
        do = xp.multiply(dh, tc, out=out[:, 3 * H:])
        dc = do * tc
        dc -= dh
        dc *= o
        xp.subtract(carry_c[k], dc, out=dc)
        xp.multiply(dc, ig, out=out[:, :H])
        xp.multiply(dc, a, out=out[:, H:2 * H])
        if i > 0:
            xp.multiply(dc, self.cell[k][i - 1], out=out[:, 2 * H:3 * H])
        else:
            out[:, 2 * H:3 * H] = 0
        dc *= f
        carry_c[k] = dc
        out *= self.act_grad[k][i]


def _training_window(arrays, xs, support_len, residual, truth_mask,
                     workspace=None):
    """A window's forward that keeps what backward needs."""
    weights = _Weights(arrays, support_len + 1 < len(xs), residual)
    return _Window(weights, xs, len(xs), support_len, store=True,
                   truth_mask=truth_mask, workspace=workspace)


class Workspace:
    """The arrays a training window stores, kept from one update to the
    next.

    Fresh arrays of tens of MB cost page faults (the kernel zeroes every
    page) whenever malloc gives large blocks back to the system, which it
    does depending on what else the process allocated: measured beside
    PyTorch in one process, 1,400 page faults an update and 10 % slower.
    """

    def __init__(self):
        self.arrays = {}
        self.busy = False

    def empty(self, key, shape, dtype):
        """An uninitialised array for ``key``: the last one if it fits."""
        array = self.arrays.get(key)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self.arrays[key] = numpy.empty(shape, dtype)
        return array


_WORKSPACES = threading.local()


def release_workspace():
    """Frees this thread's :class:`Workspace` (its arrays live from one
    update to the next; :class:`LSTM_updater` calls this when training
    ends)."""
    space = getattr(_WORKSPACES, 'space', None)
    if space is not None and not space.busy:
        space.arrays.clear()


@contextlib.contextmanager
def _workspace(xp):
    """This thread's :class:`Workspace` while it is free (NumPy only:
    CuPy's memory pool already reuses its blocks), else ``None``."""
    space = getattr(_WORKSPACES, 'space', None)
    if space is None:
        space = _WORKSPACES.space = Workspace()
    if xp is not numpy or space.busy:
        yield None
        return
    space.busy = True
    try:
        yield space
    finally:
        space.busy = False


class FusedWindow(chainer.FunctionNode):
    """Unrolls :class:`Model` over a window: ``(xs, *params) -> ys``.

    The input at step ``i`` is ``xs[i]`` for ``i <= support_len`` and the
    step's previous output afterwards; ``ys[i]`` is the output of step ``i``.
    The LSTM state starts at zero (as after ``reset_state()``).

    Args:
        support_len (int): Last step fed with ground truth.
        truth_mask: Boolean ``(seq_len, batch)`` array on the inputs'
            device: ground truth also where true (scheduled sampling).
        residual (bool): The model adds its input to its output.
    """

    def __init__(self, support_len, truth_mask=None, residual=False):
        self.support_len = support_len
        self.truth_mask = truth_mask
        self.residual = residual

    def check_type_forward(self, in_types):
        chainer.utils.type_check._argname(in_types[:1], ('xs',))
        xs, W1 = in_types[0], in_types[1]
        chainer.utils.type_check.expect(
            xs.dtype.kind == 'f', xs.dtype == W1.dtype, xs.ndim == 3,
            W1.ndim == 2, xs.shape[2] == W1.shape[1])

    def forward(self, inputs):
        self.retain_inputs(())
        self._window = _training_window(inputs[1:], inputs[0],
                                        self.support_len, self.residual,
                                        self.truth_mask)
        return self._window.y,

    def backward(self, indexes, grad_outputs):
        window = self._window
        gy = grad_outputs[0]
        if gy is None:
            gy = window.w.xp.zeros_like(window.y)
        else:
            gy = gy.array
        result = [None] + window.w.parameter_grads(window.backward(gy))
        del self._window
        return tuple(None if r is None else chainer.Variable(r)
                     for r in result)


def fused_window(model, xs, support_len, truth_mask=None):
    """Outputs of every step of a window, through :class:`FusedWindow`.

    Args:
        model (Model): The model (its own LSTM state is neither read nor
            changed; the window starts from zero state).
        xs: Inputs ``(seq_len, batch, n_input)``.
        support_len (int): Last step fed with ground truth.
        truth_mask: Boolean ``(seq_len, batch)``, see :func:`unroll`.

    Returns:
        chainer.Variable: ``(seq_len, batch, n_output)``.
    """
    return FusedWindow(support_len, truth_mask, model.residual).apply(
        [xs] + model_parameters(model))[0]


def forecast_array(model, xs, n_steps, support_len, chunk=4096):
    """Forward-only recursive forecast as arrays (no graph, no state).

    Steps run in chunks of ``chunk``, carrying the LSTM state across, so
    memory stays bounded however long the warm-up or the horizon.

    Args:
        model (Model): The model.
        xs: Ground-truth inputs ``(>= min(support_len + 1, n_steps), batch,
            n_input)`` on the model's device.
        n_steps (int): Steps to run.
        support_len (int): Last step fed with ground truth.
        chunk (int): Steps per chunk.

    Returns:
        array: Outputs ``(n_steps, batch, n_output)`` on the model's device.
    """
    arrays = [p.array for p in model_parameters(model)]
    weights = _Weights(arrays, support_len + 1 < n_steps, model.residual)
    outputs, state = [], None
    for start in range(0, n_steps, chunk):
        n = min(chunk, n_steps - start)
        window = _Window(weights, xs[start:start + n], n,
                         support_len - start, store=False, state=state)
        outputs.append(window.y)
        state = window.state
    return outputs[0] if len(outputs) == 1 else weights.xp.concatenate(
        outputs)


def supports(predictor, training):
    """Whether the fused path computes exactly what ``predictor`` does.

    Args:
        predictor: The one-step model.
        training (bool): Whether gradients are needed (dropout is active).

    Returns:
        bool: True for a :class:`Model`, or a subclass that keeps its
        ``forward`` and ``__call__`` (the article overrides ``__call__``),
        without dropout when training.
    """
    cls = type(predictor)
    return isinstance(predictor, Model) \
        and cls.forward is Model.forward \
        and cls.__call__ is Model.__call__ \
        and not (training and predictor.dropout)



def forecast_from_origins(model, series, origins, horizon, chunk=4096):
    """Forecasts ``horizon`` steps after each origin, warming up only once.

    One forward pass over ``series`` (ground truth) records the LSTM state
    at every origin; all origins then forecast together as one batch, fed
    their own predictions. The cost is linear in rows + origins x horizon.

    Args:
        model (Model): The model.
        series: ``(T, n_input)`` ground truth on the model's device (with
            covariates, their values up to ``origins[-1] + horizon - 1``).
        origins: Increasing positions; origin ``o`` has seen rows ``<= o``.
        horizon (int): Steps to forecast after each origin.
        chunk (int): Longest stretch (steps, or origins) run at once.

    Returns:
        array: ``(horizon, len(origins), n_output)``; ``[h - 1, b]``
        forecasts row ``origins[b] + h``.
    """
    arrays = [p.array for p in model_parameters(model)]
    xp = backend.get_array_module(*arrays)
    truth = _Weights(arrays, False, model.residual)
    if truth.n_cov > 0 and horizon > 1 and len(origins) \
            and origins[-1] + horizon - 1 >= len(series):
        raise ValueError('the covariates are needed up to row {}, the series '
                         'has {} rows'.format(origins[-1] + horizon - 1,
                                              len(series)))
    state, states, firsts, previous = None, [], [], 0
    for origin in origins:
        for start in range(previous, origin + 1, chunk):
            stop = min(start + chunk, origin + 1)
            window = _Window(truth, series[start:stop, None], stop - start,
                             stop - start - 1, store=False, state=state)
            state = window.state
        previous = origin + 1
        states.append(state[0])
        firsts.append(state[1])
    out = xp.empty((horizon, len(origins), model.n_output), truth.W1.dtype)
    out[0] = xp.concatenate(firsts)
    if horizon == 1:
        return out
    fed = _Weights(arrays, True, model.residual)
    for start in range(0, len(origins), chunk):
        stop = min(start + chunk, len(origins))
        layers = [(xp.concatenate([s[k][0] for s in states[start:stop]]),
                   xp.concatenate([s[k][1] for s in states[start:stop]]))
                  for k in range(truth.n_layers)]
        if fed.n_cov > 0:  # the covariates of the rows being forecast
            rows = xp.asarray(origins[start:stop])[None, :] \
                + xp.arange(1, horizon)[:, None]
            inputs = series[rows]
        else:
            inputs = xp.empty((0, stop - start, model.n_input),
                              truth.W1.dtype)
        window = _Window(fed, inputs, horizon - 1, -1, store=False,
                         state=(layers, out[0, start:stop]))
        out[1:, start:stop] = window.y
    return out


def mse_gradients(model, xs, ts, support_len, truth_mask=None, first=0,
                  absolute=False):
    """Loss and parameter gradients of a training window, without a graph.

    What ``window_loss(F.mean_squared_error, fused_window(model, xs, ...),
    ts).backward()`` computes, bit for bit, as array code only: Chainer's
    function nodes, variables and backprop bookkeeping cost more than the
    arithmetic on the article's small windows.

    Args:
        model (Model): The model.
        xs: Inputs ``(seq_len, batch, n_input)``.
        ts: Targets ``(seq_len, batch, n_output)``.
        support_len (int): Last step fed with ground truth.
        truth_mask: Boolean ``(seq_len, batch)``, see :func:`unroll`.
        first (int): Steps before this one are not scored (the loss is
            that of ``ys[first:]``).
        absolute (bool): The mean absolute error instead (what
            ``F.mean_absolute_error`` per step sums to).

    Returns:
        tuple: ``(loss, grads)``: the 0-d loss and, per
        :func:`model_parameters`, its gradient (``None`` for an unused one).
    """
    arrays = [p.array for p in model_parameters(model)]
    # The window dies here: its stored arrays can be this thread's
    # workspace (nothing returned is a view of them).
    with _workspace(backend.get_array_module(*arrays)) as space:
        window = _training_window(arrays, xs, support_len, model.residual,
                                  truth_mask, space)
        diff = window.y[first:] - ts[first:]
        if absolute:
            per_step = diff[0].size
            loss = window.w.xp.abs(diff).sum() / diff.dtype.type(per_step)
            gy = window.w.xp.sign(diff) / diff.dtype.type(per_step)
        else:
            loss = mse_sum(diff)
            gy = mse_sum_grad(diff, window.w.xp.ones_like(loss))
        if first:
            gy = window.w.xp.concatenate([window.w.xp.zeros_like(
                window.y[:first]), gy])
        return loss, window.w.parameter_grads(window.backward(gy))
