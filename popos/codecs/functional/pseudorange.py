"""Pseudo-range multilateration on a disc of anchors around the argmax, as small matmuls.

The anchors of every landmark sit at the same integer offsets from its argmax, so every
term of the weighted normal equations that depends only on the offsets is a constant per
heatmap shape. The (damped) normal matrix and right-hand side of all landmarks then come from
one (N, 3P) x (3P, 20) product with a cached table instead of per-landmark products, and the
disc itself is one gather through a cached (H*W, P) index table. On one face every tensor
here is tiny, so the cost is the number of tensor ops: the code is written for few of them.
"""
import math
from typing import List, NamedTuple, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .small_linalg import (_LAPLACE_SIGN, _MINOR_INDEX, _PRODUCT_INDEX, RIDGE, _repeat_det,
                           ratios_of_determinants, solve_augmented)

# Heatmap values are read clamped to [0, MAX_VALUE]: a Gaussian is positive, and +inf or huge
# values must not overflow the weights and solves.
MAX_VALUE = 1e6


class DiscTables(NamedTuple):
    """Constants of one (radius, H, W) decode: offsets, gather tables, moment tables."""

    offsets: Tensor          # (P, 2) anchor offsets (dx, dy) from the argmax
    index: Tensor            # (H*W, P) flat map index of every anchor of every argmax pixel
    inside: Tensor           # (H*W, P) 1 where that anchor lies on the map, else 0
    moments: Tensor          # (3P, 20) [w, w ln h, w ln^2 h] -> damped [A | b], 4 rows of 5
    design: Tensor           # (4, P) constant part of each anchor's design row, transposed
    neg_target: Tensor       # (P,) -|offset|^2, minus the right-hand side of each equation
    eps: Tensor              # (1,) floor of a squared residual in the Cauchy weights
    inward: Tensor           # (P, P) column k picks anchor k's neighbour one step nearer the argmax
    pixel: Tensor            # (H*W, 2) map coordinates (x, y) of every pixel, row-major
    lower: Tensor            # (2,) lowest decodable position (-1, -1)
    upper: Tensor            # (2,) highest decodable position (W, H)
    centre: Tensor           # (2,) map centre, the answer for a map without a peak
    origin: int              # index of the argmax itself (offset (0, 0)) among the anchors


def disc_offsets(radius: float, height: int, width: int) -> List[Tuple[int, int]]:
    """Integer offsets within ``radius`` that can land inside an H x W map, row-major."""
    rx, ry = min(int(math.floor(radius)), width - 1), min(int(math.floor(radius)), height - 1)
    return [(dx, dy) for dy in range(-ry, ry + 1) for dx in range(-rx, rx + 1)
            if dx * dx + dy * dy <= radius * radius]


def inward_neighbours(offsets: List[Tuple[int, int]]) -> List[int]:
    """Index of each offset's neighbour one pixel step nearer the origin along its ray.

    The step is the offset scaled to length ``|o| - 1`` and rounded; the origin is its own
    neighbour. Every neighbour is in the list (a disc contains the nearer points of its rays).
    """
    where = {o: i for i, o in enumerate(offsets)}
    out = []
    for dx, dy in offsets:
        r = math.hypot(dx, dy)
        s = max(r - 1.0, 0.0) / r if r else 0.0
        out.append(where[(int(round(dx * s)), int(round(dy * s)))])
    return out


def _moments(off: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, 2) float64 offsets -> (P, 4) design rows c, (P,) |o|^2, (3P, 20) moment table."""
    p = off.shape[0]
    # Design row of anchor k with l_k = ln h_k: c_k - l_k e, c_k = (2dx, 2dy, 0, 1),
    # e = (0, 0, 1, 0), since |o_k - q|^2 = theta_2 u_k + gamma with u_k = -l_k.
    c = np.stack([2 * off[:, 0], 2 * off[:, 1], np.zeros(p), np.ones(p)], -1)
    e = np.broadcast_to(np.array([0.0, 0.0, -1.0, 0.0]), (p, 4))
    t = (off ** 2).sum(-1)
    outer = lambda x, y: (x[:, :, None] * y[:, None, :])  # noqa: E731  (P, 4, 4)
    aug = lambda m, v: np.concatenate([m, v[:, :, None]], -1).reshape(p, 20)  # noqa: E731
    # sum_k w (c + l e)(c + l e)^T = sum w c c^T + sum w l (c e^T + e c^T) + sum w l^2 e e^T,
    # sum_k w (c + l e) t          = sum w c t   + sum w l t e;
    # laid out as the augmented rows [A_i0 .. A_i3, b_i], the diagonal damped by 1 + RIDGE
    # (Levenberg-Marquardt, invariant to column scaling) so rank-deficient systems stay solvable.
    damp = np.ones((4, 5))
    damp[np.arange(4), np.arange(4)] += RIDGE
    moments = np.concatenate([
        aug(outer(c, c), c * t[:, None]),
        aug(outer(c, e) + outer(e, c), e * t[:, None]),
        aug(outer(e, e), np.zeros((p, 4)))], 0) * damp.reshape(20)
    return c, t, moments


def build_disc_tables(radius: float, height: int, width: int,
                      device: Optional[torch.device] = None) -> DiscTables:
    """Build the constants of :class:`DiscTables` (float32) for one map shape.

    Computed in numpy and handed over as finished constants, so an exported graph holds
    the tables, not the ops that build them.
    """
    offsets = disc_offsets(radius, height, width)
    off = np.array(offsets, dtype=np.float64)                                    # (P, 2)
    p = off.shape[0]
    c, t, moments = _moments(off)
    gx, gy = np.meshgrid(np.arange(width), np.arange(height))
    pixel = np.stack([gx.reshape(-1), gy.reshape(-1)], -1)                       # row-major
    ax = pixel[:, None, 0] + off[None, :, 0].astype(np.int64)
    ay = pixel[:, None, 1] + off[None, :, 1].astype(np.int64)
    inside = (ax >= 0) & (ax < width) & (ay >= 0) & (ay < height)
    # off-map anchors read any on-map pixel; `inside` zeroes them before they can vote (a
    # zero appended to the maps instead would copy every map: 2x slower on 64x64 batches)
    index = np.clip(ay, 0, height - 1) * width + np.clip(ax, 0, width - 1)
    f32 = lambda x: torch.tensor(np.asarray(x, dtype=np.float32), device=device)  # noqa: E731
    return DiscTables(
        offsets=f32(off), index=torch.tensor(index.astype(np.int64), device=device),
        inside=f32(inside), moments=f32(moments), design=f32(c.T), neg_target=f32(-t),
        eps=f32([1e-12]), inward=f32(np.eye(p)[:, inward_neighbours(offsets)]),
        pixel=f32(pixel), lower=f32([-1.0, -1.0]), upper=f32([width, height]),
        centre=f32([(width - 1) / 2.0, (height - 1) / 2.0]), origin=offsets.index((0, 0)))


def table_rows(table: Tensor, rows: Tensor, exportable: bool = False) -> Tensor:
    """``table[rows]`` of a constant (R, C) table for (N,) row indices.

    ``exportable`` spells it ``F.embedding``: TFLite lowers that to one EMBEDDING_LOOKUP (an
    ``index_select`` to ~10 ops of index checks) and takes no int64 table, so integer tables
    are looked up as float (their entries, map indices < 2^24, are exact in float32). ONNX
    gathers integer tables directly, as int32 (constant-folded: half the bytes of int64, no
    Cast node; eager keeps int64, whose gathers are faster).
    """
    if not exportable:
        return table.index_select(0, rows)
    if torch.onnx.is_in_onnx_export():
        return (table if table.dtype.is_floating_point else table.int()).index_select(0, rows)
    if table.dtype.is_floating_point:
        return F.embedding(rows, table)
    return F.embedding(rows, table.float()).long()


def table_cols(table: Tensor, rows: Tensor, exportable: bool = False) -> Tensor:
    """``table[rows].t()``: a constant (R, C) table, (N,) row indices -> (C, N).

    In ONNX one Gather along axis 1 of the transposed table (folded into a constant).
    """
    if exportable and torch.onnx.is_in_onnx_export():
        return table.t().index_select(1, rows)
    return table_rows(table, rows, exportable).t()


def gather_table(values: Tensor, table: Tensor, rows: Tensor,
                 exportable: bool = False) -> Tensor:
    """``values[n, table[rows[n], k]]``: (N, M) values, (R, K) integer table, (N,) rows -> (N, K).

    Under ``torch.export`` with a static batch (the TFLite converter's trace) the batch
    offset ``n * M`` is folded into the looked-up indices and the values are read with one
    ``EMBEDDING_LOOKUP`` of the flattened values: TFLite lowers ``torch.gather`` to nine ops
    (index wrap-around and bounds handling around a ``GATHER_ND``), this to seven, three of
    them reshapes, at a fraction of the time. The indices are summed in float32, exact below
    2^24 values.
    """
    n, m = values.shape
    if (exportable and torch.compiler.is_exporting() and not torch.onnx.is_in_onnx_export()
            and isinstance(n, int) and n * m < 1 << 24):
        offset = torch.arange(n, dtype=torch.float32, device=values.device).unsqueeze(1) * m
        flat = (F.embedding(rows, table.float()) + offset).long()
        return F.embedding(flat, values.reshape(-1, 1)).reshape(n, -1)
    return values.gather(-1, table_rows(table, rows, exportable))


def disc_values(maps: Tensor, argmax: Tensor, tables: DiscTables,
                exportable: bool = False) -> Tensor:
    """Values of the anchor disc around each argmax: (N, H*W) maps, (N,) argmax -> (N, P).

    Values are clamped to [0, :data:`MAX_VALUE`]; anchors off the map read 0 (no range, no
    vote).
    """
    return gather_table(maps, tables.index, argmax, exportable).clamp_(0.0, MAX_VALUE).mul_(
        table_rows(tables.inside, argmax, exportable))


def anchor_weights(values: Tensor, power: float, clip_floor: float,
                   exportable: bool = False, origin: Optional[int] = None) -> Tensor:
    """Pseudo-range weights ``h ** power`` of (…, P) values already clipped to [floor, 1].

    A value at the clip floor bounds its range from below only: weight exactly 0 (which
    also keeps later products clear of denormal floats, ~2x slower on x86). ``exportable``
    spells the cut as ``h ** p - floor ** p`` (ONNX has no threshold op with a non-zero
    threshold, and a ``Where`` over the disc costs onnxruntime ~3x a ``Sub``): 0 at the
    floor (``floor ** p`` is rounded as the graph rounds ``h ** p``), and the same float32
    number as ``h ** p`` wherever ``h ** p`` exceeds ~1e8 times ``floor ** p``. With
    ``origin`` (the argmax's own anchor) the exportable cut there leaves every landmark a
    weight of at least ``max(floor ** p / 2, 1e-30)`` (a normal float32 even times the
    solves' 1e-6 ridge), so an exported graph scales its systems by their sum of weights
    without a guard against 0 (a node less) and a backend that flushes subnormal floats to
    zero still solves a landmark whose peak is below the floor; where the argmax is above
    the floor the change is vanishing (``floor ** p / 2`` of ``h ** p``: 5e-19 / h^2 with the
    defaults).
    """
    w = _power(values, power)
    if not exportable:
        return torch.threshold(w, 1.5 * clip_floor ** power, 0.0)
    floor = _power(np.float32(clip_floor), power)
    cut = np.full(values.shape[-1], floor, np.float32)
    if origin is not None:
        cut[origin] = floor - max(floor / 2, np.float32(1e-30))
    return w - torch.tensor(cut, device=values.device)


def _power(x, power: float):
    """``x ** power`` of a tensor or a numpy float32, squares for 2 and 4: one spelling for
    the weights and the floor's weight, so both round alike."""
    if power == 2.0:
        return x * x
    if power == 4.0:
        x2 = x * x
        return x2 * x2
    return x ** power


def monotone_weights(weights: Tensor, values: Tensor, tables: DiscTables,
                     exportable: bool = False) -> Tensor:
    """Zero the weight of every anchor brighter than its neighbour one step nearer the argmax.

    A single Gaussian falls off monotonically along every ray from its peak; an anchor that
    rises again belongs to another peak (or to noise), so it does not vote. ``values``: (N, P)
    disc values (finite on a map with a peak); the neighbours' values are one matmul with the
    0/1 table (one graph node in ONNX and TFLite, exact in float32). ``exportable`` multiplies
    by the 0/1 test instead of selecting (a ``Where`` over the disc costs onnxruntime more than
    the ``Cast`` and ``Mul`` that replace it; weights are finite, so the two agree).
    """
    inward = torch.mm(values, tables.inward)
    if exportable:
        return weights * (values <= inward).to(weights.dtype)
    return torch.where(values > inward, 0.0, weights)


class FixedWidthSystem(NamedTuple):
    """The pseudo-range equations with the range scale fixed, alone and beside the free ones."""

    keep: Tensor             # (20, 20) the augmented rows of x, y, gamma kept, theta_2's dropped
    offset: Tensor           # (20,) theta_2's row ``theta_2 = 2 sigma^2`` and a small ridge
    moments: Tensor          # (3P, 20) distinct entries of the free system, then the fixed one's
    minor: Tensor            # (100,) int32 factors of the free system's 20 minors, 5 Schur terms
    product: Tensor          # (72,) int32 minors of the 36 products of the two expansions
    sign: Tensor             # (12, 36) 6 denominators, numerators x, y, theta_2, gamma, x, y
    scale: int               # column of A_44 (the sum of weights) in ``moments``


def _pair_tables(moments: np.ndarray, sigma: float) -> tuple:
    """Tables solving the free system and the fixed-width one together (see
    :func:`fixed_width_system`) from the (3P, 20) moment table of the free one."""
    columns, where = [], {}
    free = np.zeros(20, np.int64)                  # column of each entry of the free [A | b]
    for e in range(20):
        r, c = divmod(e, 5)
        key = (min(r, c), max(r, c)) if c < 4 else (r, 4)   # A is symmetric
        if key not in where:
            where[key] = len(columns)
            columns.append(moments[:, e])
        free[e] = where[key]
    # the fixed system in (x, y, gamma): rows 0, 1, 3 with theta_2 moved to the right-hand
    # side, b_i - 2 sigma^2 A_i2, and the ridge on the diagonal relative to A_44 (so it is
    # RIDGE on the scale A_44 = 1, as in the eager solve)
    fixed = len(columns)
    columns += [moments[:, d] + RIDGE * moments[:, 18] for d in (0, 6, 18)]
    columns += [moments[:, 5 * r + 4] - 2 * sigma * sigma * moments[:, 5 * r + 2]
                for r in (0, 1, 3)]
    axx, ayy, agg, bx, by, bg = range(fixed, fixed + 6)
    axy, axg, ayg = free[1], free[3], free[8]
    # gamma eliminated (Schur complement, scaled by A_gg): a 2x2 system S q = B
    schur = [[axx, agg, axg, axg], [axy, agg, axg, ayg], [ayy, agg, ayg, ayg],
             [bx, agg, axg, bg], [by, agg, ayg, bg]]                   # S_xx S_xy S_yy B_x B_y
    minor = np.concatenate([free[_MINOR_INDEX].reshape(4, 20),
                            np.asarray(schur, np.int64).T], 1)              # (4, 25)
    sxx, sxy, syy, sbx, sby = range(20, 25)
    left = np.concatenate([_PRODUCT_INDEX[:30], [sxx, sxy, sbx, sxy, sxx, sbx]])
    right = np.concatenate([_PRODUCT_INDEX[30:], [syy, sxy, syy, sby, sby, sxy]])
    pair = np.zeros((3, 6), np.float32)            # det S, then Cramer's x and y of S q = B
    pair[0, :2] = pair[1, 2:4] = pair[2, 4:] = [1.0, -1.0]
    # rows: the 4 + 2 denominators, then the 4 + 2 numerators
    sign = np.zeros((12, 36), np.float32)
    sign[[0, 1, 2, 3, 6, 7, 8, 9], :30] = _repeat_det(_LAPLACE_SIGN, 4)
    sign[[4, 5, 10, 11], 30:] = _repeat_det(pair, 2)
    return (np.stack(columns, 1), minor.reshape(-1).astype(np.int32),
            np.concatenate([left, right]).astype(np.int32), sign, int(free[18]))


def fixed_width_system(radius: float, height: int, width: int, sigma: float,
                       device: Optional[torch.device] = None) -> FixedWidthSystem:
    """Constants of the fallback solve ``fallback='width'`` for one map shape and ``sigma``.

    Fixing ``theta_2 = 2 sigma^2`` (the trained width, amplitude free) replaces its normal
    equation by ``theta_2 = 2 sigma^2``; the other three rows stay the weighted LS equations
    of ``q`` and ``gamma`` with ``theta_2`` substituted. Read on the scale
    :func:`~.small_linalg.solve_augmented` gives a system (``A_44 = 1``); the ridge on ``x``,
    ``y`` and ``gamma`` keeps a system without weight solvable (``q = 0``: the argmax).
    Eagerly the rejected landmarks' systems are solved as such (``keep``, ``offset``); an
    exported graph solves every landmark's beside its free system, in the same nodes
    (:func:`pseudorange_solve`): one product with a table of the two systems' distinct
    entries, ``gamma`` eliminated from the fixed one (a 2x2 system whose entries are 2x2
    minors, like the free system's Laplace expansion), one Cramer expansion for both.
    """
    keep = np.eye(20)
    keep[10:15, 10:15] = 0.0
    offset = np.zeros(20)
    offset[12], offset[14] = 1.0, 2.0 * sigma * sigma
    offset[[0, 6, 18]] = RIDGE
    moments = _moments(np.array(disc_offsets(radius, height, width), np.float64))[2]
    table, minor, product, sign, scale = _pair_tables(moments, sigma)
    f32 = lambda x: torch.tensor(np.asarray(x, dtype=np.float32), device=device)  # noqa: E731
    i32 = lambda x: torch.tensor(x, device=device)  # noqa: E731
    return FixedWidthSystem(f32(keep), f32(offset), f32(table), i32(minor), i32(product),
                            f32(sign), scale)


def pseudorange_solve(tables: DiscTables, log_h: Tensor, weights: Tensor,
                      robust_iters: int = 1, unrolled: bool = False,
                      fixed: Optional[FixedWidthSystem] = None) -> Tuple[Tensor, Tensor]:
    """Weighted LS for offset, range scale and range offset of every landmark jointly.

    Model per anchor k at offset ``o_k`` from the origin, with ``u_k = -ln h_k``:
    ``|o_k - q|^2 = theta_2 u_k + gamma``, i.e. ``|o_k|^2 = 2 o_k.q + theta_2 u_k +
    (gamma - |q|^2)``: linear in ``theta = (q_x, q_y, theta_2, gamma - |q|^2)``. For a
    Gaussian of any amplitude and width ``theta_2 = 2 (sigma s)^2``. Cauchy re-weighting
    passes ``w / (1 + (r / 2 rms)^2)`` damp anchors that belong to a false peak.

    Args:
        tables: the map shape's :class:`DiscTables` (P anchors).
        log_h: (..., P) ``ln h`` of every anchor.
        weights: (..., P) anchor weights (0 = no vote).
        unrolled: solve with elementwise ops (ONNX/TFLite) instead of torch.linalg.
        fixed: with ``unrolled`` and (N, P) inputs, also solve the first pass's equations
            with the width fixed (:func:`fixed_width_system`), in the same unrolled solve
            (:func:`pair_solve`).
    Returns:
        (..., 4) ``theta`` and the (..., 20) augmented normal equations of the first pass,
        before any re-weighting by a fit that may be rejected (for
        :func:`fixed_width_solve` on the landmarks that need it); ``unrolled`` with
        ``fixed``: (6, N) ``theta`` and the fixed-width position ``q``, landmarks along the
        last axis (as the exported decode selects), and ``None``.
    """
    lead, p = log_h.shape[:-1], log_h.shape[-1]
    if log_h.dim() != 2:
        if unrolled and fixed is not None:
            raise ValueError('the pair solve (unrolled, fixed) takes (N, P) inputs, got '
                             f'{tuple(log_h.shape)}')
        shaped = pseudorange_solve(tables, log_h.reshape(-1, p), weights.reshape(-1, p),
                                   robust_iters, unrolled)
        return tuple(x if x is None else x.reshape(*lead, x.shape[-1]) for x in shaped)
    lu, w0 = log_h, weights
    w, extra, fixed_q = w0, None, None
    for it in range(robust_iters + 1):
        wl = w * lu
        products = torch.cat([w, wl, wl * lu], 1)                                 # (N, 3P)
        if it == 0 and unrolled and fixed is not None:
            both, total = pair_solve(products, fixed)                   # (6, N), (1, N)
            if robust_iters == 0:
                return both, None
            theta, fixed_q, total = both[:4].t(), both[4:], total.t()
        else:
            stats = torch.mm(products, tables.moments)                            # (N, 20)
            theta = solve_augmented(stats, unrolled)
            extra = stats if extra is None else extra
            total = stats[:, 18:19]
        if it < robust_iters:
            r = torch.addmm(tables.neg_target, theta, tables.design).addcmul_(
                lu, theta[:, 2:3], value=-1.0)
            r2 = torch.addcmul(tables.eps, r, r)
            # w0 / (1 + r^2 / (4 rms^2)) with rms^2 = sum w r^2 / sum w, scaled per landmark
            # by 4 rms^2 sum w / 4 (a landmark's solution does not change when all its weights
            # scale, the ridge is relative): w0 / (r^2 sum w / 4 + sum w r^2), where sum w is
            # the normal matrix's last diagonal entry. Fewer ops on one face.
            w = w0 / torch.addcmul((w * r2).sum(-1, keepdim=True), r2, total, value=0.25)
    if fixed_q is not None:
        return torch.cat([theta.t(), fixed_q], 0), None
    return theta, extra


def pair_solve(products: Tensor, fixed: FixedWidthSystem) -> Tuple[Tensor, Tensor]:
    """(N, 3P) anchor products -> (6, N) the free solution ``theta`` and the fixed-width
    ``(q_x, q_y)`` of the same equations, by one unrolled Cramer expansion (export), and the
    (1, N) sum of weights ``A_44``.

    Both systems are read on the scale ``A_44 = 1`` (the Cauchy pass's too), which needs
    every landmark to have some weight (the exportable :func:`anchor_weights` keep one at
    the argmax).
    """
    raw = torch.mm(products, fixed.moments).t()                                  # (20, N)
    total = raw[fixed.scale:fixed.scale + 1]
    flat = raw / total
    return ratios_of_determinants(flat, fixed.minor, fixed.product,
                                  fixed.sign.to(flat.dtype)), total


def fixed_width_solve(stats: Tensor, fixed: FixedWidthSystem) -> Tensor:
    """(N, 20) pseudo-range normal equations -> (N, 4) their solution with the width fixed
    (eager; an exported graph solves it with :func:`pair_solve`)."""
    return solve_augmented(torch.mm(stats, fixed.keep), False, fixed.offset)
