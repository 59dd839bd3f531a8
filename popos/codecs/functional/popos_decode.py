"""Batched POPoS / KeyPosS / closed-form decoding of Gaussian heatmaps.

The single implementation used by the codec, the head, evaluation and export. Everything
is batched over (B, J): no Python loop runs over images or landmarks, and only ops with
ONNX (opset >= 11) and TFLite lowerings are used (topk, gather, log, sqrt, argmin, and
small systems solved by unrolled elementwise code).

Coordinates are in heatmap pixels with pixel ``i`` centred at ``i`` (the MSRA
convention of mmpose's heatmap codecs); callers scale to input pixels.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from .defaults import resolution_defaults
from .small_linalg import solve_2x2, solve_spd

DECODE_MODES = ('popos', 'keypos', 'lls')
REFINE_MODES = ('pseudorange', 'gauss_newton', 'none')
GRID_SEARCHES = ('coarse_to_fine', 'dense')


def sanitize_heatmaps(heatmaps: Tensor) -> Tensor:
    """NaN and negatives -> 0, +inf -> 1e6, so every later step is finite.

    Negatives carry no range (a Gaussian is positive) and clamping them keeps the 2x2
    block choice from being steered by noise below zero; the clamp runs in place on the
    fresh copy, so sanitising costs one allocation.
    """
    return torch.nan_to_num(heatmaps, nan=0.0, posinf=1e6, neginf=0.0).clamp_min_(0.0)


def squared_ranges(values: Tensor, sigma: float, clip_floor: float) -> Tensor:
    """Gaussian-inverse squared distance ``d^2 = -2 sigma^2 ln h`` with h clipped to [floor, 1]."""
    return -2.0 * sigma * sigma * values.clamp(clip_floor, 1.0).log()


def _pixel_xy(index: Tensor, width: int) -> Tensor:
    """Flat pixel index (...,) -> float (..., 2) xy coordinates."""
    x = torch.remainder(index, width)
    y = torch.div(index - x, width, rounding_mode='floor')
    return torch.stack([x, y], dim=-1).to(torch.float32)


def topk_anchors(flat: Tensor, k: int, width: int, sigma: float,
                 clip_floor: float) -> Tuple[Tensor, Tensor, Tensor]:
    """Global top-K pixels of (B, J, HW) maps -> anchors (B,J,K,2), d^2 (B,J,K), values (B,J,K)."""
    values, index = flat.topk(min(k, flat.shape[-1]), dim=-1)
    return _pixel_xy(index, width), squared_ranges(values, sigma, clip_floor), values


def local_topk_anchors(flat: Tensor, peak: Tensor, height: int, width: int, k: int,
                       radius: float, sigma: float,
                       clip_floor: float) -> Tuple[Tensor, Tensor, Tensor]:
    """Top-K pixels within ``radius`` of the argmax -> anchors (B,J,K,2), d^2, values.

    Pixels outside the disc (or the map) get value -1 so they rank last; callers give
    them zero weight. When the disc is smaller than the map only the disc is gathered,
    so the cost does not grow with the map (a 64x64 map reads ~50 pixels, not 4096).
    """
    r = int(radius)
    offsets = [(dx, dy) for dy in range(-r, r + 1) for dx in range(-r, r + 1)
               if dx * dx + dy * dy <= radius * radius]
    if len(offsets) < height * width:
        off = torch.tensor(offsets, dtype=peak.dtype, device=peak.device)      # (P, 2)
        cand = peak.unsqueeze(-2) + off                                         # (B,J,P,2)
        cx, cy = cand[..., 0], cand[..., 1]
        valid = (cx >= 0) & (cx <= width - 1) & (cy >= 0) & (cy <= height - 1)
        idx = (cy.clamp(0, height - 1) * width + cx.clamp(0, width - 1)).long()
        vals = torch.where(valid, flat.gather(-1, idx), -torch.ones_like(cx))
        values, pos = vals.topk(min(k, len(offsets)), dim=-1)
        anchors = cand.gather(-2, pos.unsqueeze(-1).expand(-1, -1, -1, 2))
        return anchors, squared_ranges(values, sigma, clip_floor), values
    pix = _pixel_xy(torch.arange(height * width, device=flat.device), width)  # (HW, 2)
    near = (pix - peak.unsqueeze(-2)).square().sum(-1) <= radius * radius       # (B,J,HW)
    return topk_anchors(torch.where(near, flat, -torch.ones_like(flat)), k, width, sigma,
                        clip_floor)


def block_seed(flat: Tensor, peak: Tensor, height: int, width: int, sigma: float,
               clip_floor: float) -> Tensor:
    """Closed-form least squares on the strongest 2x2 block that touches the argmax.

    With the block's corners at (0,0), (1,0), (0,1), (1,1) relative to its top-left and
    the last corner's circle subtracted from the others, the normal equations are
    constant and invert to ``p = ((r0 - r1 + 2 r2) / 6, (r0 + 2 r1 - r2) / 6)``.

    Args:
        flat: (B, J, H*W) sanitized heatmaps.
        peak: (B, J, 2) integer argmax coordinates.
    Returns:
        (B, J, 2) seed positions.
    """
    px, py = peak[..., 0], peak[..., 1]
    best_sum, best_tl = None, None
    for dx in (-1.0, 0.0):
        for dy in (-1.0, 0.0):
            tx = (px + dx).clamp(0, width - 2)
            ty = (py + dy).clamp(0, height - 2)
            idx = (ty * width + tx).long()
            corners = torch.stack([idx, idx + 1, idx + width, idx + width + 1], -1)
            vals = flat.gather(-1, corners)
            s = vals.sum(-1)
            tl = torch.stack([tx, ty], -1)
            if best_sum is None:
                best_sum, best_tl, best_vals = s, tl, vals
            else:
                better = s > best_sum
                best_sum = torch.where(better, s, best_sum)
                best_tl = torch.where(better.unsqueeze(-1), tl, best_tl)
                best_vals = torch.where(better.unsqueeze(-1), vals, best_vals)
    d2 = squared_ranges(best_vals, sigma, clip_floor)
    r0 = d2[..., 0] - d2[..., 3] + 2.0
    r1 = d2[..., 1] - d2[..., 3] + 1.0
    r2 = d2[..., 2] - d2[..., 3] + 1.0
    rel = torch.stack([(r0 - r1 + 2 * r2) / 6.0, (r0 + 2 * r1 - r2) / 6.0], -1)
    return best_tl + rel.clamp(-1.0, 2.0)


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
    """KeyPosS refinement of ``r_i = |a_i - p|^2 - d_i^2``; a step is kept only if the cost falls."""
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


def pseudorange_solve(origin: Tensor, anchors: Tensor, d2: Tensor, weights: Tensor, sigma: float,
                      robust_iters: int = 1) -> Tuple[Tensor, Tensor]:
    """Weighted least squares for position, range scale and range offset jointly.

    Model: ``|a_i - p|^2 = alpha * d_i^2 + gamma`` (amplitude and width of the predicted
    Gaussian unknown), linear in ``(p, alpha, gamma - |p|^2)`` once expanded. Anchors are
    expressed relative to ``origin`` for conditioning; Cauchy re-weighting passes damp
    anchors that belong to a false peak.

    Returns:
        position (B,J,2) and width ratio squared ``alpha`` (B,J) (1 for an ideal target).
    """
    rel = anchors - origin.unsqueeze(-2)
    scale = 2.0 * sigma * sigma
    rows = torch.stack([2 * rel[..., 0], 2 * rel[..., 1], d2 / scale, torch.ones_like(d2)], -1)
    target = rel.square().sum(-1)
    w = weights
    theta = None
    for it in range(robust_iters + 1):
        wr = rows * w.unsqueeze(-1)
        normal = torch.matmul(wr.transpose(-1, -2), rows)  # not einsum: opset 11
        rhs = (wr * target.unsqueeze(-1)).sum(-2)
        theta = solve_spd(normal, rhs)
        if it < robust_iters:
            resid = (rows * theta.unsqueeze(-2)).sum(-1) - target
            rms = ((w * resid.square()).sum(-1) / w.sum(-1).clamp_min(1e-12)).sqrt()
            w = weights / (1.0 + (resid / (2.0 * rms.unsqueeze(-1) + 1e-6)).square())
    return origin + theta[..., :2], theta[..., 2] / scale


def decode_heatmaps(heatmaps: Tensor, sigma: float = 2.0, mode: str = 'popos',
                    topk: Optional[int] = None, grid_side: Optional[float] = None,
                    grid_spacing: Optional[float] = None, grid_method: str = 'coarse_to_fine',
                    refine: str = 'pseudorange', refine_iters: int = 3,
                    anchor_radius: Optional[float] = None,
                    clip_floor: float = 1e-9, weight_power: float = 2.0,
                    robust_iters: int = 1) -> Tuple[Tensor, Tensor]:
    """Decode a batch of heatmaps (B, J, H, W) -> keypoints (B, J, 2) in heatmap px, scores (B, J).

    Args:
        sigma: Gaussian sigma (heatmap px) the targets were encoded with.
        mode: ``'popos'`` (anchors -> 2x2 seed -> parallel grid -> refinement),
            ``'keypos'`` (global top-K + Gauss-Newton from the argmax, KeyPosS) or
            ``'lls'`` (the closed-form 2x2 block solve alone).
        topk, grid_side, grid_spacing: default per resolution (see ``defaults.py``).
        grid_method: ``'coarse_to_fine'`` or ``'dense'`` (the published single step).
        refine: after the grid, ``'pseudorange'`` (joint position/scale/offset LS,
            falling back to Gauss-Newton when implausible), ``'gauss_newton'`` or ``'none'``.
        anchor_radius: POPoS anchors are taken within this radius (heatmap px) of the
            argmax, default ``2 * sigma``; keeps a second peak from voting.
        clip_floor: lower clip of heatmap values before the log.
        weight_power: pseudo-range anchors are weighted by ``h ** weight_power``; 2 is
            inverse-variance weighting, since additive noise ``dh`` perturbs
            ``d^2 = -2 sigma^2 ln h`` by ``2 sigma^2 dh / h``.
        robust_iters: Cauchy re-weighting passes of the pseudo-range solve.

    Degenerate maps are defined: NaN and negative values count as 0; a map with no
    variation (all zero, flat, all NaN) decodes to its centre with score 0; outputs are
    always finite and inside ``[-1, W] x [-1, H]``.
    """
    if heatmaps.dim() != 4:
        raise ValueError(f'heatmaps must be (B, J, H, W), got shape {tuple(heatmaps.shape)}')
    if mode not in DECODE_MODES:
        raise ValueError(f'decode mode must be one of {DECODE_MODES}, got {mode!r}')
    if refine not in REFINE_MODES:
        raise ValueError(f'refine must be one of {REFINE_MODES}, got {refine!r}')
    if grid_method not in GRID_SEARCHES:
        raise ValueError(f'grid_method must be one of {GRID_SEARCHES}, got {grid_method!r}')
    b, j, h, w = heatmaps.shape
    if h < 2 or w < 2:
        raise ValueError(f'heatmaps must be at least 2x2, got {h}x{w}')
    d_topk, d_side, d_spacing = resolution_defaults(h, w, mode)
    k = int(topk or d_topk)
    side = float(grid_side or d_side)
    spacing = float(grid_spacing or d_spacing)

    hm = sanitize_heatmaps(heatmaps.float())
    flat = hm.reshape(b, j, h * w)
    maxval, maxidx = flat.max(-1)
    valid = (maxval - flat.min(-1).values) > 0
    peak = _pixel_xy(maxidx, w)
    scores = torch.where(valid, maxval, torch.zeros_like(maxval))

    if mode == 'lls':
        kpts = block_seed(flat, peak, h, w, sigma, clip_floor)
    elif mode == 'keypos':
        anchors, d2, vals = topk_anchors(flat, k, w, sigma, clip_floor)
        # A value at or below the clip floor bounds the range from below only: no vote.
        kpts = gauss_newton(peak, anchors, d2, (vals > clip_floor).to(hm.dtype), iters=20)
    else:
        radius = 2.0 * sigma if anchor_radius is None else float(anchor_radius)
        anchors, d2, vals = local_topk_anchors(flat, peak, h, w, k, radius, sigma, clip_floor)
        inside = (vals > clip_floor).to(hm.dtype)
        weights = vals.clamp_min(0.0) ** weight_power
        seed = block_seed(flat, peak, h, w, sigma, clip_floor)
        ranges = d2.clamp_min(0.0).sqrt()
        # With a refinement after it the grid only has to land in the right basin: one
        # 9x9 level (2x-2.3x cheaper at 16..4); alone it searches down to `spacing`.
        kpts = grid_search(seed, anchors, ranges, inside, side, spacing, grid_method,
                           max_levels=1 if refine != 'none' else 32)
        if refine != 'none':
            # A refined point is only trusted near the peak its anchors surround (a clean
            # Gaussian's centre is within ~0.7 px of its argmax); on a map with no real
            # peak Gauss-Newton can wander to the border, so the grid optimum stays.
            reach = max(1.5, side / 2) ** 2
            gn = gauss_newton(kpts, anchors, d2, inside, refine_iters)
            gn_ok = (gn - peak).square().sum(-1) <= reach
            fallback = torch.where(gn_ok.unsqueeze(-1), gn, kpts)
            if refine == 'pseudorange':
                pr, alpha = pseudorange_solve(kpts, anchors, d2, weights * inside, sigma,
                                              robust_iters)
                # ... and the joint solve only with a plausible width ratio as well.
                ok = (alpha > 0.2) & (alpha < 5.0) & torch.isfinite(pr).all(-1) & \
                    ((pr - peak).square().sum(-1) <= reach)
                kpts = torch.where(ok.unsqueeze(-1), pr, fallback)
            else:
                kpts = fallback

    centre = torch.tensor([(w - 1) / 2.0, (h - 1) / 2.0], device=hm.device, dtype=hm.dtype)
    good = valid.unsqueeze(-1) & torch.isfinite(kpts)
    kpts = torch.where(good, kpts, torch.where(valid.unsqueeze(-1), peak, centre.expand_as(kpts)))
    # One pixel of slack beyond the outer pixel centres: a landmark near the crop border
    # is still decodable from the Gaussian's tail, anything further is extrapolation.
    x = kpts[..., 0].clamp(-1.0, float(w))
    y = kpts[..., 1].clamp(-1.0, float(h))
    return torch.stack([x, y], -1), scores
