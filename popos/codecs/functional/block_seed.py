"""Closed-form least squares on the strongest 2x2 block that touches the argmax, from tables.

Which four 2x2 blocks touch an argmax pixel, their corners and top-left depend only on that
pixel and the map shape, so they are tabulated once per shape: the seed of every landmark
is then a few gathers and one small matmul, with no per-block loop (a short exported graph).
"""
from typing import NamedTuple, Optional

import numpy as np
import torch
from torch import Tensor

from .pseudorange import MAX_VALUE, gather_table, table_rows


class SeedTables(NamedTuple):
    """Constants of the 2x2 block seed for one (H, W) map shape."""

    blocks: Tensor           # (H*W, 16) flat indices of the 4 corners of the 4 candidate blocks
    corners: Tensor          # (4*H*W, 4) the corners of candidate block b of pixel i at row 4i+b
    origin: Tensor           # (4*H*W, 2) that block's top-left corner (x, y)
    solve: Tensor            # (4, 2) ln h of the corners -> block-relative position
    offset: Tensor           # (2,) constant part of that position


def build_seed_tables(height: int, width: int, sigma: float,
                      device: Optional[torch.device] = None) -> SeedTables:
    """Tables of :func:`block_seed` for an H x W map (H, W >= 2) and Gaussian ``sigma``.

    Candidate blocks of pixel (x, y) have top-left (x + dx, y + dy), dx, dy in {-1, 0} (in
    that order, dx outer), clamped to the map; corners in the order (0,0), (1,0), (0,1), (1,1).
    With the last corner's circle subtracted from the others the normal equations are
    constant and invert to ``p = ((r0 - r1 + 2 r2) / 6, (r0 + 2 r1 - r2) / 6)``, with
    ``r_i = d_i^2 - d_3^2 + |c_3|^2 - |c_i|^2`` and ``d^2 = -2 sigma^2 ln h``: linear in
    ``ln h``, i.e. one (4, 2) matrix and an offset.
    """
    gx, gy = np.meshgrid(np.arange(width), np.arange(height))
    px, py = gx.reshape(-1, 1), gy.reshape(-1, 1)                                # (HW, 1)
    dx = np.array([-1, -1, 0, 0])
    dy = np.array([-1, 0, -1, 0])
    tx = np.clip(px + dx, 0, width - 2)                                          # (HW, 4)
    ty = np.clip(py + dy, 0, height - 2)
    tl = ty * width + tx
    corners = np.stack([tl, tl + 1, tl + width, tl + width + 1], -1)            # (HW, 4, 4)
    # r0 - r1 + 2 r2 = d0 - d1 + 2 d2 - 2 d3 + 3, r0 + 2 r1 - r2 = d0 + 2 d1 - d2 - 2 d3 + 3
    mix = np.array([[1, 1], [-1, 2], [2, -1], [-2, -2]], np.float64) / 6.0
    f32 = lambda x: torch.tensor(np.asarray(x, np.float32), device=device)  # noqa: E731
    i64 = lambda x: torch.tensor(np.asarray(x, np.int64), device=device)  # noqa: E731
    return SeedTables(
        blocks=i64(corners.reshape(-1, 16)), corners=i64(corners.reshape(-1, 4)),
        origin=f32(np.stack([tx, ty], -1).reshape(-1, 2)),
        solve=f32(-2.0 * sigma * sigma * mix), offset=f32([0.5, 0.5]))


def block_seed(maps: Tensor, argmax: Tensor, tables: SeedTables, clip_floor: float,
               exportable: bool = False) -> Tensor:
    """(N, H*W) maps, (N,) flat argmax -> (N, 2) seed positions (x, y).

    The block with the largest sum wins (the first of equals, in the tables' order).
    ``exportable``: table lookups as ``F.embedding`` (see :func:`table_rows`).
    """
    n = maps.shape[0]
    sums = gather_table(maps, tables.blocks, argmax, exportable).clamp(0.0, MAX_VALUE).view(
        n, 4, 4).sum(-1)
    pick = argmax * 4 + sums.argmax(-1)
    vals = gather_table(maps, tables.corners, pick, exportable)                 # (N, 4)
    rel = torch.addmm(tables.offset, vals.clamp(clip_floor, 1.0).log(), tables.solve)
    return table_rows(tables.origin, pick, exportable) + rel.clamp(-1.0, 2.0)
