"""The grid-search fallback and the Gauss-Newton refinement of POPoS / KeyPosS, batched.

Used by :func:`popos.codecs.functional.decode_heatmaps` where the pseudo-range solve is
rejected (``fallback='grid'``), for ``refine='gauss_newton'|'none'`` and for KeyPosS.
"""
import torch
from torch import Tensor

from .small_linalg import solve_2x2


def _range_cost(offsets: Tensor, rel_anchors: Tensor, ranges: Tensor, mask: Tensor) -> Tensor:
    """L1 range error of candidates ``centre + offsets`` -> (B, J, G).

    Args:
        offsets: (G, 2) candidate offsets from the centre.
        rel_anchors: (B, J, K, 2) anchors relative to the centre.
    """
    # |o - a|^2 = |o|^2 + |a|^2 - 2 o.a, with o.a as one matmul instead of a (B,J,G,K,2)
    # difference tensor: a third of the memory traffic on 64x64 maps.
    # In place on the one (B,J,K,G) buffer: allocating a fresh one per step cost more than
    # the arithmetic on CPU.
    sq = torch.matmul(rel_anchors, offsets.t()).mul_(-2.0)                      # (B,J,K,G)
    sq.add_(offsets.square().sum(-1)).add_(rel_anchors.square().sum(-1, keepdim=True))
    err = sq.clamp_min_(1e-12).sqrt_().sub_(ranges.unsqueeze(-1)).abs_()
    # masked sum over anchors as a matmul: one fused pass instead of a multiply and a sum
    return torch.matmul(mask.unsqueeze(-2), err).squeeze(-2)


def _square_offsets(side: float, n: int, device, dtype) -> Tensor:
    """(n*n, 2) offsets of an n x n grid of the given side, centred on 0."""
    lin = torch.linspace(-side / 2, side / 2, n, device=device, dtype=dtype)
    gy, gx = torch.meshgrid(lin, lin, indexing='ij')
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], -1)


def grid_search(seed: Tensor, anchors: Tensor, ranges: Tensor, mask: Tensor, side: float,
                spacing: float, method: str = 'coarse_to_fine', max_elements: int = 1 << 24,
                max_levels: int = 32) -> Tensor:
    """Parallel candidate search minimising the L1 range error around ``seed``.

    ``'dense'`` evaluates the published single-step grid (side/spacing+1)^2 at once
    (chunked over landmarks to bound memory); ``'coarse_to_fine'`` evaluates grids of at
    most 9x9 that shrink around the best candidate until ``spacing`` is reached - the same
    final spacing at a fraction of the cost when the cost is unimodal around the optimum.
    ``max_levels`` stops the shrinking early (a refinement that follows supplies the
    precision).
    """
    dev, dt = seed.device, seed.dtype
    if method == 'dense':
        n = int(round(side / spacing)) + 1
        levels = [_square_offsets(spacing * (n - 1), n, dev, dt)]
    else:
        levels, lvl_side = [], float(side)
        while True:
            n = min(9, int(round(lvl_side / spacing)) + 1)
            levels.append(_square_offsets(lvl_side, n, dev, dt))
            step = lvl_side / (n - 1)
            if step <= spacing * 1.0001 or len(levels) >= max_levels:
                break
            lvl_side = 2 * step
    best = seed
    for offsets in levels:
        b, j = best.shape[:2]
        per_landmark = offsets.shape[0] * anchors.shape[-2] * b
        chunk = max(1, min(j, max_elements // max(per_landmark, 1)))
        parts = []
        for s in range(0, j, chunk):
            centre = best[:, s:s + chunk]
            rel = anchors[:, s:s + chunk] - centre.unsqueeze(-2)
            cost = _range_cost(offsets, rel, ranges[:, s:s + chunk], mask[:, s:s + chunk])
            parts.append(centre + offsets[cost.argmin(-1)])
        best = parts[0] if len(parts) == 1 else torch.cat(parts, 1)
    return best


def gauss_newton(start: Tensor, anchors: Tensor, d2: Tensor, weights: Tensor,
                 iters: int) -> Tensor:
    """KeyPosS refinement of ``r_i = |a_i - p|^2 - d_i^2``; a step is kept if the cost falls."""
    p = start

    def cost(q: Tensor) -> Tensor:
        return (weights * ((anchors - q.unsqueeze(-2)).square().sum(-1) - d2).square()).sum(-1)

    cur = cost(p)
    for _ in range(iters):
        diff = anchors - p.unsqueeze(-2)                       # (B,J,K,2)
        r = diff.square().sum(-1) - d2                           # (B,J,K)
        jac = -2.0 * diff                                        # (B,J,K,2)
        wj = jac * weights.unsqueeze(-1)
        # matmul, not einsum: ONNX has Einsum only from opset 12.
        jtj = torch.matmul(wj.transpose(-1, -2), jac)
        jtr = (wj * r.unsqueeze(-1)).sum(-2)
        cand = p - solve_2x2(jtj, jtr)
        new = cost(cand)
        better = (new < cur) & torch.isfinite(new)
        p = torch.where(better.unsqueeze(-1), cand, p)
        cur = torch.where(better, new, cur)
    return p
