"""Training machinery of the dense autoencoder: a flat Adam and a hand-written backward pass.

For a network as small as the course's (a few thousand weights, batches of a few hundred rows)
a training step is dominated by per-operation overhead, not by arithmetic: ``torch.optim.Adam``
spends more time on bookkeeping than on the update, and autograd records every operation of
the forward pass in order to replay it backwards. Here the optimiser updates all parameters as
one flat tensor, and the backward pass of the only layer types the network has (linear, ReLU,
dropout) is written out by hand. Both are checked against torch's own in
``tests/test_autoencoder.py``; a step is about twice as fast as with autograd.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["FlatAdam", "dropout_mask", "squared_error_step", "torch_threads"]


class FlatAdam:
    """Adam, as ``torch.optim.Adam`` computes it, over all parameters as one flat tensor.

    Every parameter and its gradient become views of one buffer, so a step is six tensor
    operations. (``torch.optim.Adam`` also imports ``torch._dynamo`` when the first one is
    created in a process, 1-4 s here.) ``release`` gives the parameters their own storage back.
    """

    def __init__(self, params, lr: float, weight_decay: float = 0.0):
        self.params = list(params)
        self.lr, self.weight_decay = lr, weight_decay
        self.beta1, self.beta2, self.eps = 0.9, 0.999, 1e-8  # torch.optim.Adam's defaults
        with torch.no_grad():
            self.flat = torch.cat([p.reshape(-1) for p in self.params])
        self.grad = torch.zeros_like(self.flat)
        self.m, self.v, self.t = torch.zeros_like(self.flat), torch.zeros_like(self.flat), 0
        offset = 0
        for p in self.params:
            p.data = self.flat[offset : offset + p.numel()].view_as(p)
            p.grad = self.grad[offset : offset + p.numel()].view_as(p)
            offset += p.numel()

    @torch.no_grad()
    def step(self) -> None:
        """Update the parameters from the gradients, then zero the gradients."""
        self.t += 1
        g = self.grad.add(self.flat, alpha=self.weight_decay) if self.weight_decay else self.grad
        self.m.lerp_(g, 1 - self.beta1)
        self.v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        denom = self.v.sqrt().div_(math.sqrt(1 - self.beta2**self.t)).add_(self.eps)
        self.flat.addcdiv_(self.m, denom, value=-self.lr / (1 - self.beta1**self.t))
        self.grad.zero_()

    def release(self) -> None:
        for p in self.params:
            p.data, p.grad = p.data.clone(), None


def dropout_mask(a: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Inverted dropout's mask for activations ``a``: 0 with probability ``p``, else 1/(1-p)."""
    return torch.empty_like(a).bernoulli_(1.0 - p, generator=generator).div_(1.0 - p)


@torch.no_grad()
def squared_error_step(
    layers: list[nn.Module], x: torch.Tensor, n_total: int, generator: torch.Generator
) -> torch.Tensor:
    """Forward and backward pass of the MSE of reconstructing ``x``, without autograd.

    ``layers`` are the network's modules in forward order (``nn.Linear``, ``nn.ReLU`` and
    ``nn.Dropout`` only); dropout is applied as in training mode, with masks drawn from
    ``generator``. The gradients of ``sum((net(x) - x) ** 2) / n_total`` are *written* into each
    linear layer's ``weight.grad`` and ``bias.grad`` (which must exist); with ``n_total =
    x.numel()`` that is the gradient of ``F.mse_loss(net(x), x)``. Returns the sum of squared
    errors of the batch, a 0-d tensor.
    """
    saved = []  # what each layer's backward needs: its input, ReLU output or dropout mask
    a = x
    for layer in layers:
        if isinstance(layer, nn.Linear):
            saved.append(a)
            a = torch.addmm(layer.bias, a, layer.weight.t())
        elif isinstance(layer, nn.ReLU):
            a = a.clamp_min_(0.0)  # in place: the linear output is not needed again
            saved.append(a)
        elif isinstance(layer, nn.Dropout):
            mask = dropout_mask(a, layer.p, generator) if layer.p > 0 else None
            saved.append(mask)
            a = a * mask if mask is not None else a
        else:
            raise TypeError(f"no hand-written backward pass for {type(layer).__name__}")
    diff = a - x
    sse = torch.dot(diff.view(-1), diff.view(-1))
    g = diff.mul_(2.0 / n_total)
    for index in range(len(layers) - 1, -1, -1):
        layer, kept = layers[index], saved[index]
        if isinstance(layer, nn.Linear):
            torch.mm(g.t(), kept, out=layer.weight.grad)
            torch.sum(g, 0, out=layer.bias.grad)
            if index:  # the input needs no gradient
                g = g.mm(layer.weight)
        elif isinstance(layer, nn.ReLU):
            # g where the ReLU passed its input, else 0: the op autograd itself uses, three
            # times faster than multiplying by a boolean mask.
            g = torch.ops.aten.threshold_backward(g, kept, 0.0)
        elif kept is not None:  # dropout
            g = g.mul_(kept)
    return sse


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run torch with ``n_threads`` intra-op threads, restoring the previous count after."""
    previous = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
