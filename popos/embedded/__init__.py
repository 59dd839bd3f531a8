"""Embedded-model helpers: truncated backbones and channel-pruned pose estimators.

``custom_imports = dict(imports=['popos', 'popos.embedded'])`` registers them.
"""
from .backbones import POPoSTruncatedBackbone
from .pruned import PrunedTopdownPoseEstimator, apply_channel_spec, channel_spec

__all__ = [
    'POPoSTruncatedBackbone', 'PrunedTopdownPoseEstimator', 'apply_channel_spec', 'channel_spec'
]
