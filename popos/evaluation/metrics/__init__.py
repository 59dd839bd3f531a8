"""Metrics registered into ``mmpose.registry.METRICS``."""
from .face_metric import FaceLandmarkMetric

__all__ = ['FaceLandmarkMetric']
