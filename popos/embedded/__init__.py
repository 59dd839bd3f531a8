"""Former home of the embedded-model pieces, kept so that configs with
``custom_imports = dict(imports=['popos', 'popos.embedded'])`` still load.

They now live in :mod:`popos.models` (and are registered by ``import popos``):
``TruncatedBackbone`` (registered also as ``POPoSTruncatedBackbone``) in
``popos.models.backbones``, ``PrunedTopdownPoseEstimator`` in ``popos.models.pose_estimators``,
structured pruning in ``popos.models.utils.pruning``.
"""
from ..models.backbones import POPoSTruncatedBackbone, TruncatedBackbone
from ..models.pose_estimators import (PrunedTopdownPoseEstimator, apply_channel_spec,
                                      channel_spec)

__all__ = [
    'POPoSTruncatedBackbone', 'TruncatedBackbone', 'PrunedTopdownPoseEstimator',
    'apply_channel_spec', 'channel_spec'
]
