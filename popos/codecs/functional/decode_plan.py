"""Decoder settings resolved once per map shape: checked, defaulted, with their tables.

A one-face decode must not rebuild constants per call: :func:`build_plan` turns the settings
of :func:`popos.codecs.functional.decode_heatmaps` and a map shape into a :class:`DecodePlan`
(defaults per resolution, the disc and seed tables, plausibility bounds), cached per settings
and shape in eager mode.
"""
import math
import operator
from functools import lru_cache
from typing import NamedTuple, Optional

import torch
from torch import Tensor

from .block_seed import SeedTables, build_seed_tables
from .defaults import pseudorange_weight_power, resolution_defaults
from .pseudorange import DiscTables, FixedWidthSystem, build_disc_tables, fixed_width_system

DECODE_MODES = ('popos', 'keypos', 'lls')
REFINE_MODES = ('pseudorange', 'gauss_newton', 'none')
GRID_SEARCHES = ('coarse_to_fine', 'dense')
FALLBACKS = ('grid', 'seed', 'width')
# internal: a static graph that leaves the fallback to its caller (the compiled eager decode)
DEFERRED = 'deferred'
ANCHOR_MASKS = ('none', 'monotone')


class DecodePlan(NamedTuple):
    """Everything about one decode that depends on the settings and the map shape only."""

    height: int
    width: int
    mode: str
    refine: str
    fallback: str
    anchor_mask: str
    grid_method: str
    topk: int
    side: float
    spacing: float
    sigma: float
    clip_floor: float
    power: float
    robust_iters: int
    refine_iters: int
    tables: DiscTables
    seed: SeedTables
    fixed: Optional[FixedWidthSystem]  # fallback='width': the fixed-width solve's constants
    ok_shift: Tensor         # (4,) theta minus this, squared, times this (4, 2) matrix gives
    ok_scale: Tensor         # (|q|^2, (theta_2 - mid)^2) over their bounds: plausible if < 1


def build_plan(height: int, width: int, device: torch.device, *, sigma: float, mode: str,
               topk: Optional[int], grid_side: Optional[float], grid_spacing: Optional[float],
               grid_method: str, refine: str, refine_iters: int,
               anchor_radius: Optional[float], clip_floor: float,
               weight_power: Optional[float], robust_iters: int, fallback: str,
               anchor_mask: str) -> DecodePlan:
    """Check the settings and resolve the per-resolution defaults for an H x W map.

    The settings are :func:`decode_heatmaps`'s (their defaults live there only).
    """
    if mode not in DECODE_MODES:
        raise ValueError(f'decode mode must be one of {DECODE_MODES}, got {mode!r}')
    if refine not in REFINE_MODES:
        raise ValueError(f'refine must be one of {REFINE_MODES}, got {refine!r}')
    if grid_method not in GRID_SEARCHES:
        raise ValueError(f'grid_method must be one of {GRID_SEARCHES}, got {grid_method!r}')
    if fallback not in FALLBACKS:
        raise ValueError(f'fallback must be one of {FALLBACKS}, got {fallback!r}')
    if anchor_mask not in ANCHOR_MASKS:
        raise ValueError(f'anchor_mask must be one of {ANCHOR_MASKS}, got {anchor_mask!r}')
    if height < 2 or width < 2:
        raise ValueError(f'heatmaps must be at least 2x2, got {height}x{width}')
    _check_ranges(sigma=sigma, topk=topk, grid_side=grid_side, grid_spacing=grid_spacing,
                  anchor_radius=anchor_radius, clip_floor=clip_floor, weight_power=weight_power,
                  robust_iters=robust_iters, refine_iters=refine_iters)
    d_topk, d_side, d_spacing = resolution_defaults(height, width, mode)
    power = float(weight_power if weight_power is not None else
                  pseudorange_weight_power(height, width))
    side = float(d_side if grid_side is None else grid_side)
    spacing = float(d_spacing if grid_spacing is None else grid_spacing)
    if spacing > side:
        raise ValueError(f'grid_spacing ({spacing}) must not exceed grid_side ({side}): the grid '
                         'needs two candidates per row')
    radius = 2.0 * sigma if anchor_radius is None else float(anchor_radius)
    radius = radius if mode == 'popos' else 0.0
    tables = build_disc_tables(radius, height, width, device)
    # Plausible: width ratio alpha = theta_2 / (2 sigma^2) in (0.2, 5) and the position
    # within max(1.5, side / 2) of the argmax, as one scaled squared-distance test.
    lo, hi = 0.2 * 2 * sigma * sigma, 5.0 * 2 * sigma * sigma
    b_pos, b_width = plausible_radius(side) ** 2, ((hi - lo) / 2) ** 2
    f32 = lambda x: torch.tensor(x, dtype=torch.float32, device=device)  # noqa: E731
    return DecodePlan(
        int(height), int(width), mode, refine, fallback, anchor_mask, grid_method,
        int(d_topk if topk is None else topk), side,
        spacing, float(sigma),
        float(clip_floor), power,
        int(robust_iters), int(refine_iters), tables,
        build_seed_tables(height, width, sigma, device),
        fixed_width_system(radius, height, width, sigma, device)
        if fallback == 'width' else None,
        ok_shift=f32([0.0, 0.0, (lo + hi) / 2, 0.0]),
        ok_scale=f32([[1 / b_pos, 0.0], [1 / b_pos, 0.0], [0.0, 1 / b_width], [0.0, 0.0]]))


def plausible_radius(side: float) -> float:
    """How far (heatmap px) from its argmax a refined landmark may lie: a clean Gaussian's
    centre is within ~0.7 px of its argmax; a wider grid lets the fallback look further."""
    return max(1.5, side / 2)


def _check_ranges(**settings) -> None:
    """Refuse settings outside their domain (None = the per-resolution default), naming them.

    Numbers may be Python, numpy or 0-d torch scalars (as configs and sweeps pass them).
    """
    def bad(name: str, why: str) -> ValueError:
        return ValueError(f'{name} must be {why}, got {settings[name]!r}')

    def number(name: str) -> Optional[float]:
        value = settings[name]
        if value is None:
            return None
        try:
            out = float(value)
        except (TypeError, ValueError):
            out = math.nan
        if isinstance(value, bool) or not math.isfinite(out):
            raise bad(name, 'a finite number')
        return out

    def count(name: str, least: int) -> None:
        value = settings[name]
        try:
            ok = value is not None and not isinstance(value, bool) and \
                operator.index(value) >= least
        except TypeError:
            ok = False
        if not ok:
            raise bad(name, f'an integer >= {least}')

    sigma = number('sigma')
    if sigma is None or sigma <= 0:
        raise bad('sigma', '> 0 (heatmap px)')
    if settings['topk'] is not None:  # more than the map's pixels: every pixel
        count('topk', 1)
    count('robust_iters', 0)
    count('refine_iters', 0)
    for name in ('grid_side', 'grid_spacing'):
        value = number(name)
        if value is not None and value <= 0:
            raise bad(name, '> 0 (heatmap px) or None')
    radius = number('anchor_radius')
    if radius is not None and radius < 1:
        raise bad('anchor_radius', '>= 1 heatmap px (the disc must reach the argmax\'s '
                  'neighbours) or None')
    floor = number('clip_floor')
    if floor is None or not 0 < floor < 1:
        raise bad('clip_floor', 'in (0, 1)')
    # h ** 0 = 1 everywhere, at the clip floor too: no anchor could be told from no vote
    power = number('weight_power')
    if power is not None and power <= 0:
        raise bad('weight_power', '> 0 or None')


@lru_cache(maxsize=64)
def _cached_plan(height: int, width: int, device: str, settings: tuple) -> DecodePlan:
    return build_plan(height, width, torch.device(device), **dict(settings))
