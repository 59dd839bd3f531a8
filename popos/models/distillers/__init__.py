"""Teacher-to-student heatmap distillation (``HeatmapDistiller`` and its losses)."""
from .heatmap_distiller import HeatmapDistiller
from .losses import (TeacherDistanceMapLoss, TeacherHeatmapMSELoss, distance_maps,
                     resize_teacher_heatmaps, widen_gaussians)

__all__ = [
    'HeatmapDistiller', 'TeacherDistanceMapLoss', 'TeacherHeatmapMSELoss', 'distance_maps',
    'resize_teacher_heatmaps', 'widen_gaussians'
]
