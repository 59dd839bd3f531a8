"""Keypoint codecs registered into ``mmpose.registry.KEYPOINT_CODECS``."""
from .popos_heatmap import DECODER_SETTINGS, POPoSHeatmap, check_decoder_settings

__all__ = ['DECODER_SETTINGS', 'POPoSHeatmap', 'check_decoder_settings']
