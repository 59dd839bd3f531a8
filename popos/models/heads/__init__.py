"""Heads."""
from .popos_head import HeatmapSizeMismatchError, POPoSHead

__all__ = ['HeatmapSizeMismatchError', 'POPoSHead']
