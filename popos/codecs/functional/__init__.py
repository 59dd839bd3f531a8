"""The one tensor implementation of heatmap decoding (codec, head, evaluation, export)."""
from .defaults import GRID_SIDE, KEYPOS_TOPK, POPOS_TOPK, nearest_resolution, resolution_defaults
from .popos_decode import (DECODE_MODES, block_seed, decode_heatmaps, gauss_newton,
                           grid_search, pseudorange_solve, sanitize_heatmaps, squared_ranges,
                           local_topk_anchors, topk_anchors)

__all__ = [
    'GRID_SIDE', 'KEYPOS_TOPK', 'POPOS_TOPK', 'nearest_resolution', 'resolution_defaults',
    'DECODE_MODES', 'block_seed', 'decode_heatmaps', 'gauss_newton', 'grid_search',
    'pseudorange_solve', 'sanitize_heatmaps', 'squared_ranges', 'topk_anchors', 'local_topk_anchors'
]
