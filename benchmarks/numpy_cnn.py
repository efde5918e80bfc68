"""A hand-written numpy CNN: the yardstick of the ``cnn_digits`` benchmark.

The network is fixed: ``Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3,
padding=1) - ReLU - MaxPool2d(2) - Linear(128, 10)`` on ``(B, 1, 8, 8)`` images, mean
cross-entropy, SGD with PyTorch's momentum rule. Weights have PyTorch's layouts, so
the same initial values can be given to microtensor and PyTorch.

What an expert writes without an autograd framework:

* convolution = im2col + one GEMM. For the 16-channel second layer the padded input is
  laid out channels-last ``(B, 6, 6, C)`` so that a strided view (``as_strided``) shows each
  3x3 receptive field as one row of ``cols (B*H*W, 9*C)`` with long contiguous runs;
  ``y = cols @ W``. Backward: ``dW = cols^T G`` (one GEMM, ``cols`` kept from the forward),
  ``dcols = G W`` (one GEMM) and col2im as nine strided adds, one per kernel offset.
  For the one-channel first layer the rows of ``cols (9, B*H*W)`` are the nine kernel
  taps, read straight from the padded NCHW image (runs of a whole image row), and
  ``y = W cols`` comes out in NCHW order;
* the first layer's input gradient is never computed (it is the data);
* ReLU in place; its mask is ``activation > 0``;
* 2x2 max pooling: the max of the four strided views of each window; backward sends
  each gradient to the first maximum of its window (PyTorch's rule), one write per view.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .numpy_reference import softmax_cross_entropy

KERNEL = 3
POOL = 2


def conv_init(rng, in_channels, out_channels, kernel, dtype):
    """PyTorch's default ``nn.Conv2d`` init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = in_channels * kernel^2 (kaiming_uniform_ with a = sqrt(5) gives this bound)."""
    bound = 1.0 / np.sqrt(in_channels * kernel * kernel)
    weight = rng.uniform(-bound, bound, size=(out_channels, in_channels, kernel, kernel)).astype(dtype)
    return weight, rng.uniform(-bound, bound, size=out_channels).astype(dtype)


# ---------------------------------------------------------------- convolution (3x3, padding 1, stride 1)
def im2col(x):
    """``cols[(b, i, j), (p, q, c)] = xp[b, i + p, j + q, c]`` for ``x (B, C, H, W)``, ``xp`` its zero-padded
    channels-last copy ``(B, H+2, W+2, C)``."""
    batch, channels, height, width = x.shape
    padded = np.zeros((batch, height + 2, width + 2, channels), dtype=x.dtype)
    padded[:, 1:-1, 1:-1] = x.transpose(0, 2, 3, 1)
    s_b, s_h, s_w, s_c = padded.strides
    windows = as_strided(padded, (batch, height, width, KERNEL, KERNEL, channels),
                         (s_b, s_h, s_w, s_h, s_w, s_c), writeable=False)
    return windows.reshape(batch * height * width, KERNEL * KERNEL * channels)


def conv_forward(x, weight, bias):
    """``(y, cols)``: ``y[b, o, i, j] = b[o] + sum_{c,p,q} w[o, c, p, q] xp[b, i + p, j + q, c]`` (NCHW)."""
    batch, _, height, width = x.shape
    out_channels = weight.shape[0]
    cols = im2col(x)
    w_matrix = weight.transpose(2, 3, 1, 0).reshape(-1, out_channels)   # [(p, q, c), o]
    products = cols @ w_matrix                                           # (B*H*W, O)
    out = np.empty((batch, out_channels, height, width), dtype=x.dtype)
    np.add(products.reshape(batch, height, width, out_channels).transpose(0, 3, 1, 2),
           bias[:, None, None], out=out)
    return out, cols


def conv_forward_taps(x, weight, bias):
    """The first layer's convolution, ``(y, cols)`` with ``cols[(c, p, q), (b, i, j)] = xp[b, c, i + p, j + q]``
    read from the zero-padded NCHW image: ``y = W cols`` (``W`` is the weight as ``(O, 9*C)``)."""
    batch, channels, height, width = x.shape
    out_channels = weight.shape[0]
    padded = np.zeros((batch, channels, height + 2, width + 2), dtype=x.dtype)
    padded[:, :, 1:-1, 1:-1] = x
    s_b, s_c, s_h, s_w = padded.strides
    taps = as_strided(padded, (channels, KERNEL, KERNEL, batch, height, width), (s_c, s_h, s_w, s_b, s_h, s_w),
                      writeable=False)
    cols = taps.reshape(channels * KERNEL * KERNEL, batch * height * width)
    products = weight.reshape(out_channels, -1) @ cols                   # (O, B*H*W)
    out = np.empty((batch, out_channels, height, width), dtype=x.dtype)
    np.add(products.reshape(out_channels, batch, height, width).transpose(1, 0, 2, 3), bias[:, None, None], out=out)
    return out, cols


def conv_weight_grad_taps(cols, grad, weight_shape):
    """The first layer's dL/dw = Gt cols^T (already PyTorch's layout) and dL/db = row sums of
    ``Gt[o, (b, i, j)]``."""
    g_t = grad.transpose(1, 0, 2, 3).reshape(grad.shape[1], -1)
    return (g_t @ cols.T).reshape(weight_shape), g_t.sum(axis=1)


def grad_matrix(grad):
    """``G (B, O, H, W)`` as ``G2[(b, i, j), o]``."""
    return grad.transpose(0, 2, 3, 1).reshape(-1, grad.shape[1])


def conv_weight_grad(cols, g2, weight_shape):
    """dL/dw = G2^T cols, back in PyTorch's layout (O, C, 3, 3);  dL/db = sum of G2 over (b, i, j)
    (as ones @ G2: a matrix-vector product is much faster than a reduction down the long axis)."""
    out_channels, channels = weight_shape[:2]
    grad_w = (cols.T @ g2).reshape(KERNEL, KERNEL, channels, out_channels).transpose(3, 2, 0, 1)
    return np.ascontiguousarray(grad_w), np.ones(len(g2), dtype=g2.dtype) @ g2


def conv_input_grad(g2, weight, x_shape):
    """dL/dx = col2im(G2 W): each kernel offset's block of columns added back onto its pixels."""
    batch, channels, height, width = x_shape
    out_channels = weight.shape[0]
    dcols = (g2 @ weight.transpose(0, 2, 3, 1).reshape(out_channels, -1)).reshape(
        batch, height, width, KERNEL, KERNEL, channels)
    padded = np.zeros((batch, height + 2, width + 2, channels), dtype=g2.dtype)
    for p in range(KERNEL):
        for q in range(KERNEL):
            padded[:, p:p + height, q:q + width] += dcols[:, :, :, p, q]
    return np.ascontiguousarray(padded[:, 1:-1, 1:-1].transpose(0, 3, 1, 2))


# ------------------------------------------------------------------------- 2x2 max pooling
def _views(x):
    return [x[:, :, p::POOL, q::POOL] for p in range(POOL) for q in range(POOL)]


def max_pool(x):
    """``y[b, c, i, j] = max of x[b, c, 2i:2i+2, 2j:2j+2]``."""
    views = _views(x)
    out = np.maximum(views[0], views[1])
    for view in views[2:]:
        np.maximum(out, view, out=out)
    return out


def max_pool_backward(grad, x, out):
    """dL/dx: each window's gradient to its first maximum (row-major order), zeros elsewhere.
    (``grad * hit`` is written into each view: the gradients here are finite.)"""
    dx = np.empty_like(x)
    taken = None
    for view, target in zip(_views(x), _views(dx)):
        hit = view == out
        if taken is None:
            taken = hit.copy()
        else:
            hit &= ~taken
            taken |= hit
        np.multiply(grad, hit, out=target)
    return dx


# ---------------------------------------------------------------------------- the network
class NumpyCNN:
    """The benchmark's CNN with parameters ``[W1, b1, W2, b2, W3, b3]`` (copied) and SGD (momentum)
    in PyTorch's form: v = momentum * v + g; p -= lr * v (first step: v = g)."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = [np.array(p, copy=True) for p in params]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.lr, self.momentum, self.steps = lr, momentum, 0

    def forward(self, x):
        """Logits of ``x (B, 1, 8, 8)``; keeps what backward needs."""
        w1, b1, w2, b2, w3, b3 = self.params
        a1, cols1 = conv_forward_taps(x, w1, b1)
        np.maximum(a1, 0, out=a1)                 # relu in place; a1 > 0 is its mask
        p1 = max_pool(a1)
        a2, cols2 = conv_forward(p1, w2, b2)
        np.maximum(a2, 0, out=a2)
        p2 = max_pool(a2)
        flat = p2.reshape(len(x), -1)             # (B, 128) in PyTorch's (c, h, w) order
        self._saved = (cols1, a1, p1, cols2, a2, p2, flat)
        return flat @ w3.T + b3

    def backward(self, grad_logits):
        """The gradients ``[dW1, db1, dW2, db2, dW3, db3]`` from d loss / d logits."""
        w1, _, w2, _, w3, _ = self.params
        cols1, a1, p1, cols2, a2, p2, flat = self._saved
        grad_w3, grad_b3 = grad_logits.T @ flat, grad_logits.sum(axis=0)   # linear: dW = G^T h, db = sum G
        grad_p2 = (grad_logits @ w3).reshape(p2.shape)                      # dh = G W
        grad_a2 = max_pool_backward(grad_p2, a2, p2)
        grad_a2 *= a2 > 0                                                   # relu' = [a > 0]
        g2 = grad_matrix(grad_a2)
        grad_w2, grad_b2 = conv_weight_grad(cols2, g2, w2.shape)
        grad_p1 = conv_input_grad(g2, w2, p1.shape)
        grad_a1 = max_pool_backward(grad_p1, a1, p1)
        grad_a1 *= a1 > 0
        grad_w1, grad_b1 = conv_weight_grad_taps(cols1, grad_a1, w1.shape)
        return [grad_w1, grad_b1, grad_w2, grad_b2, grad_w3, grad_b3]

    def step(self, grads):
        first = self.steps == 0
        self.steps += 1
        for param, grad, velocity in zip(self.params, grads, self.velocity):
            if not self.momentum:
                param -= self.lr * grad
                continue
            if first:
                velocity[...] = grad
            else:
                velocity *= self.momentum
                velocity += grad
            param -= self.lr * velocity

    def train_step(self, x, labels):
        loss, grad = softmax_cross_entropy(self.forward(x), labels)
        self.step(self.backward(grad))
        return loss

    def predict(self, x):
        return self.forward(x).argmax(axis=1)


def cnn_gradients(params, x, labels):
    """(loss, gradients) of mean cross-entropy for one batch, without updating."""
    model = NumpyCNN(params, lr=0.0)
    loss, grad = softmax_cross_entropy(model.forward(x), labels)
    return loss, model.backward(grad)


def train_cnn(params, x, labels, orders, batch_size, lr, momentum):
    """Train ``NumpyCNN`` for ``len(orders)`` epochs of minibatches in the given orders."""
    model = NumpyCNN(params, lr=lr, momentum=momentum)
    count = len(x)
    for order in orders:
        x_epoch, y_epoch = x[order], labels[order]
        for start in range(0, count, batch_size):
            model.train_step(x_epoch[start:start + batch_size], y_epoch[start:start + batch_size])
    return model
