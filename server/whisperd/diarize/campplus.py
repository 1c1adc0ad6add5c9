"""CAM++ (Wang et al., 2023, 3D-Speaker), the speaker network, run in numpy.

A 2-D convolutional front end (FCM: two residual stages over the 80 filterbank channels), a
strided TDNN, three densely connected TDNN blocks (12, 24 and 16 layers) whose convolutions are
gated by context-aware masks (the mean of the whole input and of 100-frame segments), then
statistics pooling and a 192-value embedding. Batch norms use their running statistics
(inference). The layer names follow the 3D-Speaker state dict.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from whisperd.diarize.cancel import check_cancel

State = dict[str, np.ndarray]
EMBEDDING_SIZE = 192
BLOCKS = ((12, 1), (24, 2), (16, 2))  # (layers, dilation) of each dense block; kernel 3
SEGMENT_FRAMES = 100  # the masks' local context
_BN_EPS = 1e-5


@dataclass(frozen=True)
class _Affine:
    """A batch norm in inference: ``x * scale + shift`` per channel (the first axis)."""

    scale: np.ndarray
    shift: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        shape = (-1,) + (1,) * (x.ndim - 1)
        result: np.ndarray = x * self.scale.reshape(shape) + self.shift.reshape(shape)
        return result


def _bn(state: State, prefix: str) -> _Affine:
    inv = 1.0 / np.sqrt(state[f"{prefix}.running_var"].astype(np.float64) + _BN_EPS)
    weight = state.get(f"{prefix}.weight")
    bias = state.get(f"{prefix}.bias")
    scale = inv * (weight if weight is not None else 1.0)
    shift = -state[f"{prefix}.running_mean"] * scale + (bias if bias is not None else 0.0)
    return _Affine(scale.astype(np.float32), shift.astype(np.float32))


def _relu(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.maximum(x, 0.0, out=x)
    return result


# Activations are laid out channels first, then the batch: (C, B, ...), so that every
# convolution is one matrix product over all windows at once.


def _conv2d(x: np.ndarray, w: np.ndarray, stride: int) -> np.ndarray:
    """(C, B, H, T) with a (O, C, k, k) kernel, padding k // 2, stride on H only: the k * k
    shifted inputs stacked as columns, then one matrix product."""
    c, b, h, t = x.shape
    k = w.shape[2]
    pad = k // 2
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_out = (h + 2 * pad - k) // stride + 1
    cols = np.empty((k, k, c, b, h_out, t), np.float32)
    for dh in range(k):
        rows = xp[:, :, dh : dh + stride * (h_out - 1) + 1 : stride]
        for dt in range(k):
            cols[dh, dt] = rows[..., dt : dt + t]
    kernel = w.transpose(0, 2, 3, 1).reshape(w.shape[0], k * k * c)
    out: np.ndarray = kernel @ cols.reshape(k * k * c, b * h_out * t)
    return out.reshape(w.shape[0], b, h_out, t)


def _conv1d_strided(x: np.ndarray, w: np.ndarray, stride: int) -> np.ndarray:
    """(C, B, T) with a (O, C, k) kernel, 'same' padding, the given stride."""
    c, b, t = x.shape
    k = w.shape[2]
    pad = (k - 1) // 2
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    t_out = (t + 2 * pad - k) // stride + 1
    cols = np.empty((k, c, b, t_out), np.float32)
    for j in range(k):
        cols[j] = xp[..., j : j + stride * (t_out - 1) + 1 : stride]
    kernel = w.transpose(0, 2, 1).reshape(w.shape[0], k * c)
    out: np.ndarray = kernel @ cols.reshape(k * c, b * t_out)
    return out.reshape(w.shape[0], b, t_out)


def _conv1d_dilated(x: np.ndarray, w: np.ndarray, dilation: int) -> np.ndarray:
    """(C, B, T) with a (O, C, 3) kernel, stride 1, 'same' padding: each tap's product over
    the unshifted input, then the outer taps' results shifted into place."""
    c, b, t = x.shape
    flat = x.reshape(c, b * t)
    out: np.ndarray = (w[:, :, 1] @ flat).reshape(-1, b, t)
    if dilation < t:
        left = (w[:, :, 0] @ flat).reshape(-1, b, t)
        right = (w[:, :, 2] @ flat).reshape(-1, b, t)
        out[..., dilation:] += left[..., :-dilation]
        out[..., :-dilation] += right[..., dilation:]
    return out


def _segment_means(x: np.ndarray) -> np.ndarray:
    """(..., T) to (..., n): the means of consecutive 100-frame segments (the last one
    averages what it has)."""
    t = x.shape[-1]
    n = -(-t // SEGMENT_FRAMES)
    pad = [(0, 0)] * (x.ndim - 1) + [(0, n * SEGMENT_FRAMES - t)]
    sums = np.pad(x, pad).reshape(*x.shape[:-1], n, SEGMENT_FRAMES).sum(axis=-1)
    counts = np.minimum(SEGMENT_FRAMES, t - SEGMENT_FRAMES * np.arange(n)).astype(np.float32)
    result: np.ndarray = sums / counts
    return result


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


@dataclass(frozen=True)
class _ResBlock:
    conv1: np.ndarray
    bn1: _Affine
    conv2: np.ndarray
    bn2: _Affine
    stride: int
    shortcut: tuple[np.ndarray, _Affine] | None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = _relu(self.bn1(_conv2d(x, self.conv1, self.stride)))
        out = self.bn2(_conv2d(out, self.conv2, 1))
        if self.shortcut is None:
            out += x
        else:
            w, bn = self.shortcut
            picked = np.ascontiguousarray(x[:, :, :: self.stride])
            out += bn((w[:, :, 0, 0] @ picked.reshape(len(picked), -1)).reshape(out.shape))
        return _relu(out)


@dataclass(frozen=True)
class _DenseLayer:
    """BN-ReLU, 1x1 bottleneck, BN-ReLU, then a dilated convolution times its context mask."""

    bn1: _Affine
    linear1: np.ndarray
    bn2: _Affine
    local: np.ndarray
    mask1_w: np.ndarray
    mask1_b: np.ndarray
    mask2_w: np.ndarray
    mask2_b: np.ndarray
    dilation: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        c, b, t = x.shape
        bottleneck = self.linear1 @ _relu(self.bn1(x.reshape(c, b * t)))
        h = _relu(self.bn2(bottleneck)).reshape(-1, b, t)
        y = _conv1d_dilated(h, self.local, self.dilation)
        # The mask sees the window's mean plus its 100-frame segment's mean.
        context = _segment_means(h) + h.mean(axis=2, keepdims=True)  # (C, B, segments)
        n = context.shape[2]
        hidden = _relu(self.mask1_w @ context.reshape(-1, b * n) + self.mask1_b[:, None])
        mask = _sigmoid(self.mask2_w @ hidden + self.mask2_b[:, None]).reshape(-1, b, n)
        y *= mask if n == 1 else np.repeat(mask, SEGMENT_FRAMES, axis=2)[..., :t]
        return y


class CamPlusPlus:
    """(B, T, 80) mean-normalised filterbanks to (B, 192) embeddings (not normalised)."""

    def __init__(self, state: State) -> None:
        s = state
        self.conv1 = s["head.conv1.weight"]
        self.bn1 = _bn(s, "head.bn1")
        self.res_blocks = [
            self._res_block(s, f"head.layer{stage}.{i}", 2 if i == 0 else 1)
            for stage in (1, 2)
            for i in (0, 1)
        ]
        self.conv2 = s["head.conv2.weight"]
        self.bn2 = _bn(s, "head.bn2")
        self.tdnn = s["xvector.tdnn.linear.weight"]
        self.tdnn_bn = _bn(s, "xvector.tdnn.nonlinear.batchnorm")
        self.blocks: list[tuple[list[_DenseLayer], _Affine, np.ndarray]] = []
        for b, (n_layers, dilation) in enumerate(BLOCKS, start=1):
            layers = [
                self._dense_layer(s, f"xvector.block{b}.tdnnd{i}", dilation)
                for i in range(1, n_layers + 1)
            ]
            transit = f"xvector.transit{b}"
            self.blocks.append(
                (
                    layers,
                    _bn(s, f"{transit}.nonlinear.batchnorm"),
                    s[f"{transit}.linear.weight"][:, :, 0],
                )
            )
        self.out_bn = _bn(s, "xvector.out_nonlinear.batchnorm")
        self.dense = s["xvector.dense.linear.weight"][:, :, 0]
        self.dense_bn = _bn(s, "xvector.dense.nonlinear.batchnorm")
        if self.dense.shape[0] != EMBEDDING_SIZE or self.conv1.shape != (32, 1, 3, 3):
            raise ValueError("the checkpoint is not a 192-value CAM++ encoder")

    @staticmethod
    def _res_block(s: State, prefix: str, stride: int) -> _ResBlock:
        shortcut = None
        if f"{prefix}.shortcut.0.weight" in s:
            shortcut = (s[f"{prefix}.shortcut.0.weight"], _bn(s, f"{prefix}.shortcut.1"))
        return _ResBlock(
            s[f"{prefix}.conv1.weight"],
            _bn(s, f"{prefix}.bn1"),
            s[f"{prefix}.conv2.weight"],
            _bn(s, f"{prefix}.bn2"),
            stride,
            shortcut,
        )

    @staticmethod
    def _dense_layer(s: State, prefix: str, dilation: int) -> _DenseLayer:
        cam = f"{prefix}.cam_layer"
        return _DenseLayer(
            bn1=_bn(s, f"{prefix}.nonlinear1.batchnorm"),
            linear1=s[f"{prefix}.linear1.weight"][:, :, 0],
            bn2=_bn(s, f"{prefix}.nonlinear2.batchnorm"),
            local=s[f"{cam}.linear_local.weight"],
            mask1_w=s[f"{cam}.linear1.weight"][:, :, 0],
            mask1_b=s[f"{cam}.linear1.bias"],
            mask2_w=s[f"{cam}.linear2.weight"][:, :, 0],
            mask2_b=s[f"{cam}.linear2.bias"],
            dilation=dilation,
        )

    def __call__(self, features: np.ndarray, cancel: threading.Event | None = None) -> np.ndarray:
        x = np.ascontiguousarray(features.transpose(0, 2, 1))[None]  # (1, B, 80, T)
        x = _relu(self.bn1(_conv2d(x, self.conv1, 1)))
        for res_block in self.res_blocks:
            x = res_block(x)
        x = _relu(self.bn2(_conv2d(x, self.conv2, 2)))
        c, b, h, t = x.shape
        x = x.transpose(0, 2, 1, 3).reshape(c * h, b, t)  # torch's (B, C * H, T) channels
        x = _relu(self.tdnn_bn(_conv1d_strided(x, self.tdnn, 2)))
        for layers, transit_bn, transit in self.blocks:
            check_cancel(cancel)
            growth = layers[0].local.shape[0]
            channels = len(x) + growth * len(layers)
            # The block's input and each layer's output side by side, written in place.
            frames = x.shape[2]
            dense = np.empty((channels, b, frames), np.float32)
            dense[: len(x)] = x
            filled = len(x)
            for layer in layers:
                dense[filled : filled + growth] = layer(dense[:filled])
                filled += growth
            x = (transit @ _relu(transit_bn(dense.reshape(channels, -1)))).reshape(-1, b, frames)
        x = _relu(self.out_bn(x))
        std = x.std(axis=2, ddof=min(1, x.shape[2] - 1))  # unbiased, as torch's
        stats = np.concatenate([x.mean(axis=2), std], axis=0)  # (2C, B)
        embedding: np.ndarray = self.dense_bn(self.dense @ stats).T
        return np.ascontiguousarray(embedding, np.float32)
