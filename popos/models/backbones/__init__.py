"""Backbones."""
from .popos_hrnet import LOW_RES_PLAN, POPoSHRNet, hrnet_out_channels

__all__ = ['LOW_RES_PLAN', 'POPoSHRNet', 'hrnet_out_channels']
