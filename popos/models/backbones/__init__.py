"""Backbones: a low-resolution HRNet and a truncating wrapper for mmpose's mobile backbones."""
from .lowres_hrnet import LOW_RES_PLAN, LowResHRNet, POPoSHRNet, hrnet_out_channels
from .truncated_backbone import POPoSTruncatedBackbone, TruncatedBackbone

__all__ = [
    'LOW_RES_PLAN', 'LowResHRNet', 'POPoSHRNet', 'hrnet_out_channels', 'TruncatedBackbone',
    'POPoSTruncatedBackbone'
]
