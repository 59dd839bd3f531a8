"""Pseudo-range multilateration on a disc of anchors around the argmax, as small matmuls.

The anchors of every landmark sit at the same integer offsets from its argmax, so every
term of the weighted normal equations that depends only on the offsets is a constant per
heatmap shape. The normal matrix and right-hand side of all (B, J) systems then come from
one (B*J, 3P) x (3P, 20) product with a cached table instead of per-landmark products
(which cost ~10x more op dispatch on a single face).
"""
import math
from functools import lru_cache
from typing import List, NamedTuple, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .small_linalg import solve_bordered


class DiscTables(NamedTuple):
    """Constants of one (radius, H, W) decode: offsets, padded-map indices, moment tables."""

    pad: Tuple[int, int]     # (x, y) zero padding on each side of the map
    offsets: Tensor          # (P, 2) anchor offsets (dx, dy) from the argmax
    flat: Tensor             # (P,) the same offsets as flat indices into the padded map
    moments: Tensor          # (3P, 20) [w, w*u, w*u^2] -> 16 normal entries + 4 rhs entries
    design: Tensor           # (4, P) constant part of each anchor's design row, transposed
    target: Tensor           # (P,) |offset|^2, the right-hand side of each anchor's equation
    pixel: Tensor            # (H*W, 2) map coordinates (x, y) of every pixel, row-major
    to_padded: Tensor        # (H*W,) flat index of every pixel in the padded map
    lower: Tensor            # (2,) lowest decodable position (-1, -1)
    upper: Tensor            # (2,) highest decodable position (W, H)
    centre: Tensor           # (2,) map centre, the answer for a map without a peak


def disc_offsets(radius: float, height: int, width: int) -> List[Tuple[int, int]]:
    """Integer offsets within ``radius`` that can land inside an H x W map, row-major."""
    rx, ry = min(int(math.floor(radius)), width - 1), min(int(math.floor(radius)), height - 1)
    return [(dx, dy) for dy in range(-ry, ry + 1) for dx in range(-rx, rx + 1)
            if dx * dx + dy * dy <= radius * radius]


def build_disc_tables(radius: float, height: int, width: int,
                      device: Optional[torch.device] = None) -> DiscTables:
    """Build the constants of :class:`DiscTables` (float32) for one map shape.

    Computed in numpy and handed over as finished constants, so an exported graph holds
    the tables, not the ops that build them.
    """
    offs = disc_offsets(radius, height, width)
    px = max(abs(dx) for dx, _ in offs)
    py = max(abs(dy) for _, dy in offs)
    off = np.array(offs, dtype=np.float64)                                      # (P, 2)
    p = off.shape[0]
    # design row of anchor k: c_k + u_k e with c_k = (2dx, 2dy, 0, 1), e = (0, 0, 1, 0)
    c = np.stack([2 * off[:, 0], 2 * off[:, 1], np.zeros(p), np.ones(p)], -1)
    e = np.broadcast_to(np.array([0.0, 0.0, 1.0, 0.0]), (p, 4))
    t = (off ** 2).sum(-1)
    outer = lambda x, y: (x[:, :, None] * y[:, None, :]).reshape(p, 16)  # noqa: E731
    # sum_k w (c + u e)(c + u e)^T = sum w c c^T + sum w u (c e^T + e c^T) + sum w u^2 e e^T,
    # sum_k w (c + u e) t          = sum w c t   + sum w u t e
    moments = np.concatenate([
        np.concatenate([outer(c, c), c * t[:, None]], -1),
        np.concatenate([outer(c, e) + outer(e, c), e * t[:, None]], -1),
        np.concatenate([outer(e, e), np.zeros((p, 4))], -1)], 0)
    flat = np.array([dy * (width + 2 * px) + dx for dx, dy in offs], dtype=np.int64)
    gx, gy = np.meshgrid(np.arange(width), np.arange(height))
    pixel = np.stack([gx.reshape(-1), gy.reshape(-1)], -1)                       # row-major
    to_padded = (pixel[:, 1] + py) * (width + 2 * px) + pixel[:, 0] + px
    f32 = lambda x: torch.tensor(np.asarray(x, dtype=np.float32), device=device)  # noqa: E731
    return DiscTables(
        pad=(px, py), offsets=f32(off), flat=torch.tensor(flat, device=device),
        moments=f32(moments), design=f32(c.T), target=f32(t), pixel=f32(pixel),
        to_padded=torch.tensor(to_padded.astype(np.int64), device=device),
        lower=f32([-1.0, -1.0]), upper=f32([width, height]),
        centre=f32([(width - 1) / 2.0, (height - 1) / 2.0]))


@lru_cache(maxsize=64)
def _cached_tables(radius: float, height: int, width: int, device: str) -> DiscTables:
    return build_disc_tables(radius, height, width, torch.device(device))


def disc_tables(radius: float, height: int, width: int, device: torch.device,
                cache: bool = True) -> DiscTables:
    """The tables for one map shape, built once per (radius, H, W, device) when ``cache``.

    Callers that trace or export pass ``cache=False``: a tensor created under an exporter's
    fake-tensor mode must not leak into later eager calls.
    """
    if cache:
        return _cached_tables(float(radius), int(height), int(width), str(device))
    return build_disc_tables(radius, height, width, device)


def pseudorange_solve(tables: DiscTables, u: Tensor, weights: Tensor, robust_iters: int = 1,
                      unrolled: bool = False) -> Tensor:
    """Weighted LS for offset, range scale and range offset of every (B, J) landmark jointly.

    Model per anchor k at offset ``o_k`` from the origin, with ``u_k = -ln h_k``:
    ``|o_k - q|^2 = theta_2 u_k + gamma``, i.e. ``|o_k|^2 = 2 o_k.q + theta_2 u_k +
    (gamma - |q|^2)``: linear in ``theta = (q_x, q_y, theta_2, gamma - |q|^2)``. For a
    Gaussian of any amplitude and width ``theta_2 = 2 (sigma s)^2``. Cauchy re-weighting
    passes damp anchors that belong to a false peak.

    Args:
        tables: the map shape's :class:`DiscTables` (P anchors).
        u: (B, J, P) ``-ln h`` of every anchor.
        weights: (B, J, P) anchor weights (0 = no vote).
        unrolled: solve with elementwise ops (ONNX/TFLite, :func:`solve_bordered`) instead
            of torch.linalg.
    Returns:
        (B, J, 4) ``theta``.
    """
    b, j, p = u.shape
    w = weights
    wu = w * u
    theta = u
    for it in range(robust_iters + 1):
        stats = torch.matmul(torch.cat([w, wu, wu * u], -1), tables.moments)   # (B,J,20)
        theta = solve_bordered(stats[..., :16].reshape(b, j, 4, 4), stats[..., 16:],
                          unrolled=unrolled)
        if it < robust_iters:
            r2 = torch.matmul(theta, tables.design).sub_(tables.target)
            r2 = r2.addcmul_(u, theta[..., 2:3]).square_()
            # Cauchy weights 1 / (1 + (r / 2 rms)^2), rms^2 = sum w r^2 / sum w
            inv4ms = w.sum(-1, keepdim=True) / (4.0 * (w * r2).sum(-1, keepdim=True) + 1e-12)
            w = weights / (1.0 + r2 * inv4ms)
            wu = w * u
    return theta
