"""Keypoint codecs registered into ``mmpose.registry.KEYPOINT_CODECS``."""
from .popos_heatmap import POPoSHeatmap

__all__ = ['POPoSHeatmap']
