"""Batched POPoS / KeyPosS / closed-form decoding of Gaussian heatmaps.

The single implementation used by the codec, the head, evaluation and export. Everything
is batched over (B, J): no Python loop runs over images or landmarks. Two execution
modes of the same math: eager (the default; the grid-search fallback runs only on the
landmarks whose pseudo-range solve was rejected, small systems go to ``torch.linalg``)
and static graph (while tracing/exporting: every branch for every landmark, selected with
``where``, small systems solved by unrolled elementwise code, only ops with ONNX opset 11
and TFLite lowerings). An eager call of a few faces on small maps runs that static graph in
onnxruntime (:mod:`.compiled`), the eager code deciding its rejected landmarks.

Coordinates are in heatmap pixels with pixel ``i`` centred at ``i`` (the MSRA
convention of mmpose's heatmap codecs); callers scale to input pixels.
"""
import contextlib
from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .block_seed import block_seed
from .compiled import compiled_decoder
from .decode_plan import (ANCHOR_MASKS, DECODE_MODES, DEFERRED, FALLBACKS, DecodePlan,
                          _cached_plan, build_plan, plausible_radius)
from .decode_stats import record_decode
from .pseudorange import (MAX_VALUE, anchor_weights, disc_values, fixed_width_solve,
                          monotone_weights, pseudorange_solve, table_cols, table_rows)
from .grid_refine import gauss_newton, grid_search

# The compiled decode leaves landmarks with a plausibility test within this of the bound to
# the eager decoder (see _pseudorange).
DEFER_MARGIN = 0.01

__all__ = ['ANCHOR_MASKS', 'DECODE_MODES', 'FALLBACKS', 'DecodePlan', 'build_plan',
           'decode_heatmaps', 'exporting', 'gauss_newton', 'grid_search', 'squared_ranges',
           'topk_anchors']


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


def exporting() -> bool:
    """True while torch.jit / torch.onnx / torch.export / torch.compile trace the decoder."""
    # Both ONNX exporters run the model under one of these tracers (the TorchScript one under
    # torch.jit's, the dynamo one under torch.export's), so their flags cover ONNX export:
    # torch.onnx.is_in_onnx_export() imports two modules per call, ~15 us of a cold one-face
    # decode.
    return bool(torch.jit.is_tracing() or torch.compiler.is_compiling() or
                torch.compiler.is_exporting())


def _grid_then_gn(seed: Tensor, peak: Tensor, anchors: Tensor, d2: Tensor, inside: Tensor,
                  side: float, spacing: float, grid_method: str, refine: str,
                  refine_iters: int) -> Tuple[Tensor, Tensor]:
    """2x2 seed -> parallel grid -> Gauss-Newton kept only near the peak -> (kpts, gn_ok)."""
    # With a refinement after it the grid only has to land in the right basin: one
    # 9x9 level (2x-2.3x cheaper at 16..4); alone it searches down to `spacing`.
    kpts = grid_search(seed, anchors, d2.clamp_min(0.0).sqrt(), inside, side, spacing,
                       grid_method, max_levels=1 if refine != 'none' else 32)
    if refine == 'none':
        return kpts, torch.ones_like(kpts[..., 0], dtype=torch.bool)
    # A refined point is only trusted near the peak its anchors surround (a clean
    # Gaussian's centre is within ~0.7 px of its argmax); on a map with no real peak
    # Gauss-Newton can wander to the border, so the grid optimum stays.
    gn = gauss_newton(kpts, anchors, d2, inside, refine_iters)
    gn_ok = (gn - peak).square().sum(-1) <= plausible_radius(side) ** 2
    return torch.where(gn_ok.unsqueeze(-1), gn, kpts), gn_ok


def _fallback(plan: DecodePlan, maps: Tensor, maxidx: Tensor, peak: Tensor, disc: Tensor,
              static: bool) -> Tuple[Tensor, Tensor]:
    """(N, H*W) maps, (N,) flat argmax, (N, 2) its xy, (N, P) disc values -> (N, 2) fallback
    answer, gn_ok.

    The 2x2 closed form (``fallback='seed'``), or the grid search + Gauss-Newton on the
    disc's top-K anchors (``fallback='width'`` is answered in :func:`_pseudorange`).
    """
    seed = block_seed(maps, maxidx, plan.seed, plan.clip_floor, static)
    if plan.refine == 'pseudorange' and plan.fallback == 'seed':
        return seed, torch.ones_like(seed[..., 0], dtype=torch.bool)
    top, pos = disc.topk(min(plan.topk, disc.shape[-1]), -1)
    anchors = peak.unsqueeze(-2) + F.embedding(pos, plan.tables.offsets)
    # A value at or below the clip floor bounds the range from below only: no vote.
    kpts, gn_ok = _grid_then_gn(
        seed[None], peak[None], anchors[None],
        squared_ranges(top, plan.sigma, plan.clip_floor)[None],
        (top > plan.clip_floor).to(maps.dtype)[None], plan.side, plan.spacing,
        plan.grid_method, plan.refine, plan.refine_iters)
    return kpts[0], gn_ok[0]


def _pseudorange(plan: DecodePlan, maps: Tensor, maxidx: Tensor, peak: Tensor,
                 valid: Tensor, static: bool) -> Tuple[Tensor, Tuple[int, int]]:
    """POPoS with the pseudo-range solve first; the fallback where it is implausible.

    Returns keypoints, (N, 2) eagerly and (2, N) in a static graph, and, in eager mode, how
    many landmarks fell back and how many of those kept the grid optimum (Gauss-Newton
    rejected); in a static graph with the fallback deferred (:mod:`.compiled`), the solve's
    answer and the (N, 1) plausibility.
    ``fallback='width'`` answers with the argmax plus the fixed-width solve of the same
    equations (:func:`~.pseudorange.fixed_width_system`), clamped to the plausible radius.
    """
    tab = plan.tables
    disc = disc_values(maps, maxidx, tab, static)                                # (N, P)
    clipped = disc.clamp(plan.clip_floor, 1.0)
    weights = anchor_weights(clipped, plan.power, plan.clip_floor, static, tab.origin)
    if plan.anchor_mask == 'monotone':
        weights = monotone_weights(weights, disc, tab, static)
    width = plan.fallback == 'width'
    bound = plausible_radius(plan.side)
    if static and width:
        # (6, N): the free solution and the fixed-width position, landmarks along the last
        # axis (see _decode), tested and selected without slicing them apart (each slice is
        # a graph node)
        both = pseudorange_solve(tab, clipped.log(), weights, plan.robust_iters, True,
                                 plan.fixed)[0]
        excess = torch.mm(F.pad(plan.ok_scale, (0, 0, 0, 2)).t(),
                          (both - F.pad(plan.ok_shift, (0, 2)).unsqueeze(-1)).square_())
        free, _, fixed = both.split(2, 0)
        ok = excess.amax(0, keepdim=True) < 1.0                                   # (1, N)
        return table_cols(tab.pixel, maxidx, True) + torch.where(
            ok, free, fixed.clamp(-bound, bound)), (0, 0)
    # eager: the first pass's (N, 20) equations are kept for the fixed-width fallback
    theta, extra = pseudorange_solve(tab, clipped.log(), weights, plan.robust_iters, static)
    excess = torch.mm((theta - plan.ok_shift).square_(), plan.ok_scale)          # (N, 2)
    kpts = peak + theta[:, :2]
    # NaN fails a comparison, so a failed solve is rejected too (`<`, not `<=`: ONNX opset
    # 11 spells `<=` as not-greater, which NaN passes); a non-finite theta makes both columns
    # of `excess` NaN (NaN * 0 in the product), so their max is NaN whatever the backend's max
    # does with NaN ((excess < 1).all(-1) exports as five nodes).
    if static:
        ok = excess.amax(-1, keepdim=True) < 1.0                # (N, 1): no Unsqueeze node
        if plan.fallback == DEFERRED:  # the compiled eager decode: its caller falls back
            # and decides the near misses too, with the eager solve: the graph's 4x4 solve
            # (Cramer) and eager's (LU) round differently
            return kpts.t(), excess.amax(-1, keepdim=True) < 1.0 - DEFER_MARGIN
        fallback = _fallback(plan, maps, maxidx, peak, disc, static)[0]
        return torch.where(ok, kpts, fallback).t(), (0, 0)
    # the usual case in one test: every solve plausible (max propagates NaN)
    if excess.max().item() < 1.0:
        return kpts, (0, 0)
    sel = ((excess.amax(-1) < 1.0) < valid).nonzero().squeeze(-1)    # rejected, with a peak
    if not sel.shape[0]:
        return kpts, (0, 0)
    if width:
        fixed = fixed_width_solve(extra.index_select(0, sel), plan.fixed)
        fb = peak.index_select(0, sel) + fixed[:, :2].clamp(-bound, bound)
        return kpts.index_copy(0, sel, fb), (int(sel.shape[0]), 0)
    fb, gn_ok = _fallback(plan, maps.index_select(0, sel), maxidx.index_select(0, sel),
                          peak.index_select(0, sel), disc.index_select(0, sel), False)
    return kpts.index_copy(0, sel, fb), (int(sel.shape[0]), int((~gn_ok).sum()))


def decode_heatmaps(heatmaps: Union[Tensor, np.ndarray], sigma: float = 2.0, mode: str = 'popos',
                    topk: Optional[int] = None, grid_side: Optional[float] = None,
                    grid_spacing: Optional[float] = None, grid_method: str = 'coarse_to_fine',
                    refine: str = 'pseudorange', refine_iters: int = 3,
                    anchor_radius: Optional[float] = None,
                    clip_floor: float = 1e-9, weight_power: Optional[float] = None,
                    robust_iters: int = 1, fallback: str = 'grid', anchor_mask: str = 'none',
                    static_graph: Optional[bool] = None) -> Tuple[Tensor, Tensor]:
    """Decode a batch of heatmaps (B, J, H, W) -> keypoints (B, J, 2) in heatmap px, scores (B, J).

    ``heatmaps`` is a tensor, or a numpy array (float32 numpy arrays come back).

    Args:
        sigma: Gaussian sigma (heatmap px) the targets were encoded with.
        mode: ``'popos'`` (anchors around the argmax -> pseudo-range solve, with
            2x2 seed -> parallel grid -> Gauss-Newton as the fallback), ``'keypos'``
            (global top-K + Gauss-Newton from the argmax, KeyPosS) or ``'lls'`` (the
            closed-form 2x2 block solve alone).
        topk, grid_side, grid_spacing: the grid search's anchors and grid, default per
            resolution (see ``defaults.py``). The pseudo-range solve uses every pixel of
            the anchor disc instead, each weighted by ``h ** weight_power``.
        grid_method: ``'coarse_to_fine'`` or ``'dense'`` (the published single step).
        refine: ``'pseudorange'`` (joint position/scale/offset LS; where implausible the
            grid search + Gauss-Newton answers), ``'gauss_newton'`` (grid + Gauss-Newton
            everywhere) or ``'none'`` (the grid alone, down to ``grid_spacing``).
        anchor_radius: POPoS anchors are taken within this radius (heatmap px) of the
            argmax, default ``2 * sigma``; keeps a second peak from voting.
        clip_floor: lower clip of heatmap values before the log.
        weight_power: pseudo-range anchors are weighted by ``h ** weight_power``; 2 is
            inverse-variance weighting, since additive noise ``dh`` perturbs
            ``d^2 = -2 sigma^2 ln h`` by ``2 sigma^2 dh / h``. Default per resolution
            (``defaults.PSEUDORANGE_WEIGHT_POWER``).
        robust_iters: Cauchy re-weighting passes of the pseudo-range solve.
        fallback: where the pseudo-range solve is rejected, ``'grid'`` answers with the
            2x2 seed -> parallel grid -> Gauss-Newton, ``'seed'`` with the closed-form 2x2
            block solve alone, ``'width'`` with the same pseudo-range equations solved with
            the width fixed at ``sigma`` (position clamped to the plausible radius; in an
            exported graph it shares the first solve's ops: the smallest graph, see
            docs/deployment.md).
        anchor_mask: ``'monotone'`` drops from the pseudo-range solve every anchor brighter
            than its neighbour one step nearer the argmax (it belongs to another peak or to
            noise): three ops, which with ``robust_iters=0`` replace the Cauchy pass at about
            its accuracy (docs/benchmarks.md); ``'none'`` (default) lets every anchor vote.
        static_graph: ``True`` computes every branch for every landmark and selects with
            ``where`` (one graph for ONNX/TFLite, unrolled solvers); ``False`` decodes with
            eager PyTorch ops, computes the fallback only where needed and counts it
            (:func:`decode_stats`); ``None`` (default) = ``True`` exactly while tracing or
            exporting, else eager, where a call of at most ``compiled.MAX_LANDMARKS``
            landmarks on CPU runs the static graph in onnxruntime from its plan's second call
            on (:mod:`.compiled`: the same answers, the fallback still eager and counted).

    Degenerate maps are defined: values are read clamped to [0, 1e6] (negatives count as 0,
    +inf as 1e6); a map without a peak (no variation after the clamp: all zero, flat,
    negative) or with a NaN anywhere (or values whose sum is NaN: +inf beside -inf, or
    finite values of both signs overflowing it) decodes to its centre with score 0; outputs
    are always finite and inside ``[-1, W] x [-1, H]``.
    """
    array = None
    if isinstance(heatmaps, np.ndarray):  # numpy in, numpy out (the codec's one-face decode)
        array = np.ascontiguousarray(heatmaps, dtype=np.float32)
        heatmaps = torch.from_numpy(array)
    if heatmaps.dim() != 4:
        raise ValueError(f'heatmaps must be (B, J, H, W), got shape {tuple(heatmaps.shape)}')
    b, j, h, w = heatmaps.shape
    # the map size is a constant of the graph (tables are built for it); B and J stay traced
    h, w = int(h), int(w)
    static = exporting() if static_graph is None else bool(static_graph)
    settings = (('sigma', sigma), ('mode', mode), ('topk', topk), ('grid_side', grid_side),
                ('grid_spacing', grid_spacing), ('grid_method', grid_method),
                ('refine', refine), ('refine_iters', refine_iters),
                ('anchor_radius', anchor_radius), ('clip_floor', clip_floor),
                ('weight_power', weight_power), ('robust_iters', robust_iters),
                ('fallback', fallback), ('anchor_mask', anchor_mask))
    # Built once per settings and shape; while exporting, built afresh: a tensor created
    # under an exporter's fake-tensor mode must not leak into later eager calls.
    plan = build_plan(h, w, heatmaps.device, **dict(settings)) if static else \
        _cached_plan(h, w, str(heatmaps.device), settings)
    if not static and b * j == 0:  # no maps (e.g. no face in the image): no landmarks
        kpts, scores = heatmaps.new_zeros(b * j, 2, dtype=torch.float32), \
            heatmaps.new_zeros(b * j, dtype=torch.float32)
        return _shaped(kpts, scores, b, j, array is not None)
    eager = not static and not (heatmaps.requires_grad and torch.is_grad_enabled())
    # mixed precision (e.g. mmengine's --amp on CPU) would run the solves in bf16: decode in
    # float32 (one test per call; exporting keeps the caller's context)
    fp32 = torch.autocast(heatmaps.device.type, enabled=False) if not static and \
        _autocast_on(heatmaps.device.type) else contextlib.nullcontext()
    # a call of a few faces runs the plan's static graph in onnxruntime (see .compiled)
    compiled = compiled_decoder(plan, heatmaps, _decode) if eager and static_graph is None \
        else None
    with fp32:
        if compiled is not None and array is not None:  # no tensor round trip
            return _shaped(*compiled.run(array), b, j, True)
        if compiled is not None:
            kpts, scores = compiled(heatmaps)
        elif not eager:
            kpts, scores = _decode(plan, heatmaps, static)[:2]
        else:
            # Ops in inference mode skip autograd's bookkeeping (~10 % of a one-face
            # decode); the outputs are cloned out of it, so callers get ordinary tensors (a
            # later loss may save them for backward).
            with torch.inference_mode():
                kpts, scores = _decode(plan, heatmaps, False)[:2]
            kpts, scores = kpts.clone(), scores.clone()
    return _shaped(kpts, scores, b, j, array is not None)


def _autocast_on(device_type: str) -> bool:
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4 takes no device type
        return torch.is_autocast_cpu_enabled() if device_type == 'cpu' else \
            torch.is_autocast_enabled()


def _shaped(kpts, scores, b: int, j: int, as_numpy: bool):
    """(B*J, 2) keypoints, (B*J,) scores -> (B, J, 2), (B, J); numpy arrays if asked."""
    if as_numpy and isinstance(kpts, Tensor):
        kpts, scores = kpts.numpy(), scores.numpy()
    return kpts.reshape(b, j, 2), scores.reshape(b, j)


def _decode(plan: DecodePlan, heatmaps: Tensor,
            static: bool) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
    """(B, J, H, W) heatmaps -> (B*J, 2) keypoints in heatmap px, scores ((B*J,) eager,
    (B*J, 1) static) and, with the fallback deferred, the (B*J,) landmarks left to it (a peak,
    an implausible solve)."""
    h, w, tab = plan.height, plan.width, plan.tables
    sigma, clip_floor = plan.sigma, plan.clip_floor
    # float32 in: no cast (nor a Cast node in an exported graph)
    maps = heatmaps if heatmaps.dtype == torch.float32 else heatmaps.float()
    maps = maps.reshape(-1, h * w)                                               # (N, HW)
    # Values are clamped to [0, MAX_VALUE] where they are read (peak value, minimum, anchors):
    # cheaper than a sanitised copy of every map. A NaN anywhere leaves the map without a peak;
    # a sum propagates NaN on every backend (max, min and argmax need not).
    if static:  # (N, 1) peak value and test: no Unsqueeze node before the selections
        top, maxidx = maps.amax(-1, keepdim=True), maps.argmax(-1)
        low, total = maps.amin(-1, keepdim=True), maps.sum(-1, keepdim=True)
    else:
        (top, maxidx), low, total = maps.max(-1), maps.amin(-1), maps.sum(-1)
    maxval = top.clamp(0.0, MAX_VALUE)
    valid = (maxval > low.clamp(0.0, MAX_VALUE)) & (total == total)
    peak = table_rows(tab.pixel, maxidx, static)                                 # (N, 2)
    # eager: the masking below is skipped when every map has a peak (the usual case)
    masked = not static and not bool(valid.all())

    deferred = None
    if plan.mode == 'popos' and plan.refine == 'pseudorange':
        kpts, fallbacks = _pseudorange(plan, maps, maxidx, peak, valid, static)
        if not static:
            record_decode(int(valid.sum()) if masked else maps.shape[0], *fallbacks)
        elif plan.fallback == DEFERRED:
            deferred = (valid & ~fallbacks).squeeze(-1)
    else:
        if plan.mode == 'lls':
            kpts = block_seed(maps, maxidx, plan.seed, clip_floor, static)
        elif plan.mode == 'keypos':
            anchors, d2, vals = topk_anchors(maps[None], plan.topk, w, sigma, clip_floor)
            # A value at or below the clip floor bounds the range from below only: no vote.
            kpts = gauss_newton(peak[None], anchors, d2, (vals > clip_floor).to(maps.dtype),
                                iters=20)[0]
        else:
            kpts = _fallback(plan, maps, maxidx, peak,
                             disc_values(maps, maxidx, tab, static), static)[0]
        kpts = kpts.t() if static else kpts

    # Every branch above is finite where the map has a peak (a non-finite pseudo-range
    # solve fails its plausibility test, the fallbacks keep finite candidates only).
    if static:
        # (2, N) keypoints, landmarks along the last axis: onnxruntime selects with a (1, N)
        # test over (2, N) rows ~3x faster than with an (N, 1) one over (N, 2). A NaN map's
        # answer and peak value are NaN: selected, not multiplied. Scalar bounds on square
        # maps: one Clip node instead of Min and Max.
        kpts = torch.where(valid.reshape(1, -1), kpts, tab.centre.unsqueeze(-1))
        kpts = kpts.clamp(-1.0, float(w)) if h == w else torch.maximum(
            torch.minimum(kpts, tab.upper.unsqueeze(-1)), tab.lower.unsqueeze(-1))
        return kpts.t(), torch.where(valid, maxval, 0.0), deferred
    if masked:
        kpts = torch.where(valid.unsqueeze(-1), kpts, tab.centre)
        maxval = torch.where(valid, maxval, 0.0)
    # One pixel of slack beyond the outer pixel centres: a landmark near the crop border
    # is still decodable from the Gaussian's tail, anything further is extrapolation.
    # Scalar bounds on square maps: a third of the cost of tensor bounds.
    if h == w:
        kpts = kpts.clamp_(-1.0, float(w))
    else:
        kpts = kpts.clamp_(tab.lower, tab.upper)
    return kpts, maxval, deferred
