"""Model utilities."""
from .flip import flip_heatmaps_exact, flip_shift, shift_right_gaussian

__all__ = ["flip_heatmaps_exact", "flip_shift", "shift_right_gaussian"]
