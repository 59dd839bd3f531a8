"""Teacher-to-student heatmap distillation (``HeatmapDistiller`` and its losses)."""
from .heatmap_distiller import HeatmapDistiller
from .losses import (TeacherDistanceMapLoss, TeacherHeatmapMSELoss, TeacherPseudoLabelLoss,
                     distance_maps, render_gaussians, resize_teacher_heatmaps, widen_gaussians)

__all__ = [
    'HeatmapDistiller', 'TeacherDistanceMapLoss', 'TeacherHeatmapMSELoss',
    'TeacherPseudoLabelLoss', 'distance_maps', 'render_gaussians', 'resize_teacher_heatmaps',
    'widen_gaussians'
]
