"""Pose estimators: a top-down estimator rebuilt with pruned channel numbers."""
from .pruned_topdown import PrunedTopdownPoseEstimator, apply_channel_spec, channel_spec

__all__ = ['PrunedTopdownPoseEstimator', 'apply_channel_spec', 'channel_spec']
