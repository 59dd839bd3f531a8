"""The one tensor implementation of heatmap decoding (codec, head, evaluation, export)."""
from .defaults import (GRID_SIDE, KEYPOS_TOPK, POPOS_TOPK, PSEUDORANGE_WEIGHT_POWER,
                       nearest_resolution, pseudorange_weight_power, resolution_defaults)
from .block_seed import SeedTables, block_seed, build_seed_tables
from .compiled import set_compiled_decode
from .decode_stats import decode_stats, reset_decode_stats
from .popos_decode import (ANCHOR_MASKS, DECODE_MODES, FALLBACKS, DecodePlan, build_plan,
                           decode_heatmaps, exporting,
                           gauss_newton, grid_search, squared_ranges, topk_anchors)
from .pseudorange import (DiscTables, anchor_weights, build_disc_tables, disc_values,
                          monotone_weights, pseudorange_solve)

__all__ = [
    'GRID_SIDE', 'KEYPOS_TOPK', 'POPOS_TOPK', 'PSEUDORANGE_WEIGHT_POWER', 'nearest_resolution',
    'pseudorange_weight_power', 'resolution_defaults',
    'ANCHOR_MASKS', 'DECODE_MODES', 'FALLBACKS', 'block_seed', 'decode_heatmaps',
    'gauss_newton', 'grid_search',
    'pseudorange_solve', 'squared_ranges', 'topk_anchors', 'decode_stats',
    'reset_decode_stats', 'exporting', 'DiscTables', 'build_disc_tables',
    'disc_values', 'anchor_weights', 'monotone_weights', 'DecodePlan', 'build_plan', 'SeedTables',
    'build_seed_tables', 'set_compiled_decode'
]
