"""Hand-written numpy backends: what an expert writes without an autograd framework.

Forward, backward and update are written out by hand, the tutorial's way done
well: weights updated in place, buffers reused where the shapes are fixed, float32
where the workload is float32, numerically stable activations and losses, and no
gradient computed that is not needed (the input layer's input gradient, for one).

These functions are the yardstick of every ratio in the benchmark table and the
oracle of its quality column, so they are kept obviously correct: each backward
line names the derivative it implements.
"""
import numpy as np


# ----------------------------------------------------------------- helpers
def stable_sigmoid(z):
    """sigmoid(z) = 1 / (1 + exp(-z)) without overflow and to full relative precision.

    With e = exp(-|z|) <= 1: sigmoid(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.
    """
    e = np.exp(-np.abs(z))
    denominator = 1.0 + e
    return np.where(z >= 0, 1.0 / denominator, e / denominator)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of ``logits`` (B, C) against class indices, and its gradient.

    loss = mean_i( logsumexp(z_i) - z_i[y_i] );   d loss / d z = (softmax(z) - onehot(y)) / B.
    ``logits`` is overwritten with the gradient.
    """
    batch = logits.shape[0]
    rows = np.arange(batch)
    logits -= logits.max(axis=1, keepdims=True)
    picked = logits[rows, labels]
    np.exp(logits, out=logits)
    totals = logits.sum(axis=1)
    loss = float(np.mean(np.log(totals) - picked))
    logits /= totals[:, None]
    logits[rows, labels] -= 1.0
    logits *= 1.0 / batch
    return loss, logits


def linear_init(rng, fan_in, fan_out, dtype, bias=True):
    """PyTorch's default ``nn.Linear`` init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    The weight has PyTorch's layout (out_features, in_features).
    """
    bound = 1.0 / np.sqrt(fan_in)
    weight = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(dtype)
    if not bias:
        return weight
    return weight, rng.uniform(-bound, bound, size=fan_out).astype(dtype)


# ---------------------------------------------------------------- tutorial
def tutorial_train(inputs, targets, weights, perms, batch_size=2, lr=1.0):
    """The tutorial's 3-4-4-1 network (ReLU, tanh, sigmoid; no biases), SGD on 0.5 * SSE.

    ``weights`` are the tutorial's (in, out) matrices; they are copied, trained for
    ``len(perms)`` epochs (each epoch visits the samples in the order ``perms[e]``,
    in minibatches of ``batch_size``) and returned with the final full-batch loss.
    Unlike the tutorial's Step 6, the tanh derivative uses the output:
    d tanh(z) / dz = 1 - tanh(z)^2 = 1 - l2^2.
    """
    w0, w1, w2 = (np.array(w, copy=True) for w in weights)
    count = len(inputs)
    starts = range(0, count, batch_size)
    for perm in perms:
        x_epoch = inputs[perm]
        y_epoch = targets[perm]
        for start in starts:
            l0 = x_epoch[start:start + batch_size]
            y = y_epoch[start:start + batch_size]
            z1 = l0 @ w0
            l1 = np.maximum(z1, 0.0)
            l2 = np.tanh(l1 @ w1)
            l3 = stable_sigmoid(l2 @ w2)
            # loss = 0.5 * sum((l3 - y)^2);  dL/dz3 = (l3 - y) * sigmoid' = (l3 - y) * l3 * (1 - l3)
            d3 = (l3 - y) * (l3 * (1.0 - l3))
            d2 = (d3 @ w2.T) * (1.0 - l2 * l2)   # tanh' = 1 - l2^2
            d1 = (d2 @ w1.T) * (z1 > 0)          # relu' = [z1 > 0]
            if lr == 1.0:
                w2 -= l2.T @ d3
                w1 -= l1.T @ d2
                w0 -= l0.T @ d1
            else:
                w2 -= lr * (l2.T @ d3)
                w1 -= lr * (l1.T @ d2)
                w0 -= lr * (l0.T @ d1)
    final = stable_sigmoid(np.tanh(np.maximum(inputs @ w0, 0.0) @ w1) @ w2)
    loss = 0.5 * float(np.sum((final - targets) ** 2))
    return (w0, w1, w2), loss


# -------------------------------------------------------------- MLP (digits, mlp_large)
class NumpyMLP:
    """A ReLU MLP with PyTorch-layout weights, mean cross-entropy and SGD with momentum.

    ``params`` is a list ``[W1, b1, W2, b2, ...]`` (copied). The momentum update is
    PyTorch's: v = momentum * v + g;  p -= lr * v  (first step: v = g), in place.
    Activation and gradient buffers are allocated once per batch size and reused.
    """

    def __init__(self, params, lr, momentum=0.0):
        self.params = [np.array(p, copy=True) for p in params]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.velocity = [np.zeros_like(p) for p in self.params] if momentum else None
        self.lr = lr
        self.momentum = momentum
        self.steps = 0
        self._buffers = {}

    def _buffers_for(self, batch):
        buffers = self._buffers.get(batch)
        if buffers is None:
            dtype = self.params[0].dtype
            sizes = [self.params[i].shape[0] for i in range(0, len(self.params), 2)]
            buffers = [np.empty((batch, size), dtype=dtype) for size in sizes]
            self._buffers[batch] = buffers
        return buffers

    def forward(self, x):
        """Logits for ``x``; keeps the hidden activations for ``backward``."""
        params = self.params
        acts = self._buffers_for(x.shape[0])
        self._input = x
        h = x
        last = len(acts) - 1
        for layer, out in enumerate(acts):
            weight, bias = params[2 * layer], params[2 * layer + 1]
            np.matmul(h, weight.T, out=out)   # h @ W^T + b
            out += bias
            if layer != last:
                np.maximum(out, 0, out=out)   # relu in place; out > 0 is relu's mask later
            h = out
        return h

    def backward(self, grad_logits):
        """Fill ``self.grads`` from d loss / d logits (overwrites the activation buffers)."""
        params, grads = self.params, self.grads
        acts = self._buffers_for(grad_logits.shape[0])
        delta = grad_logits
        for layer in range(len(acts) - 1, -1, -1):
            below = acts[layer - 1] if layer else self._input
            np.matmul(delta.T, below, out=grads[2 * layer])   # dL/dW = delta^T h
            np.sum(delta, axis=0, out=grads[2 * layer + 1])   # dL/db = sum_rows delta
            if layer:
                # dL/dh = delta W;  relu' = [h > 0], applied where h was zeroed
                new_delta = delta @ params[2 * layer]
                new_delta *= below > 0
                delta = new_delta

    def step(self):
        """SGD (with momentum) in place on the parameters."""
        lr = self.lr
        if self.velocity is None:
            for p, g in zip(self.params, self.grads):
                g *= lr
                p -= g
            return
        first = self.steps == 0
        self.steps += 1
        for p, g, v in zip(self.params, self.grads, self.velocity):
            if first:
                v[...] = g
            else:
                v *= self.momentum
                v += g
            np.multiply(v, lr, out=g)
            p -= g

    def train_step(self, x, labels):
        """One SGD step on a batch; returns the batch loss."""
        loss, grad = softmax_cross_entropy(self.forward(x), labels)
        self.backward(grad)
        self.step()
        return loss

    def predict(self, x):
        return self.forward(x).argmax(axis=1)


def mlp_gradients(params, x, labels):
    """(loss, [dW1, db1, ...]) of mean cross-entropy for one batch, without updating."""
    model = NumpyMLP(params, lr=0.0)
    loss, grad = softmax_cross_entropy(model.forward(x), labels)
    model.backward(grad)
    return loss, [g.copy() for g in model.grads]


def train_mlp(params, x, labels, perms, batch_size, lr, momentum):
    """Train ``NumpyMLP`` for ``len(perms)`` epochs of minibatches in the given orders."""
    model = NumpyMLP(params, lr=lr, momentum=momentum)
    count = len(x)
    for perm in perms:
        x_epoch, y_epoch = x[perm], labels[perm]
        for start in range(0, count, batch_size):
            model.train_step(x_epoch[start:start + batch_size], y_epoch[start:start + batch_size])
    return model


# -------------------------------------------------------------- deep chain
def chain_forward_backward(x, chain):
    """Apply ``chain`` (a list of ``(operator, constant)``) to ``x``; return (y.sum(), dy.sum()/dx).

    Only ``operator.mul`` has a non-trivial derivative (d(y*c)/dy = c); add and sub
    pass the gradient through unchanged, so the hand-written backward skips them.
    """
    import operator

    y = x
    for op, constant in chain:
        y = op(y, constant)
    grad = np.ones_like(x)
    mul = operator.mul
    for op, constant in reversed(chain):
        if op is mul:
            grad = grad * constant
    return y.sum(), grad


# -------------------------------------------------------------- small expression
def small_expression(x, w, b):
    """loss = sum(tanh(x * w + b)^2) and its gradients with respect to w and b.

    d loss / d u = 2 t (1 - t^2) with t = tanh(u), u = x w + b;  dw = x * du, db = sum(du).
    """
    t = np.tanh(x * w + b)
    loss = (t * t).sum()
    du = 2.0 * t * (1.0 - t * t)
    return loss, du * x, du.sum()
