"""Numpy functions behind popos' face-landmark metric."""
from .face_eval import (DEFAULT_NORM_INDICES, DEFAULT_NORM_MODE, box_size,
                        ced_curve, eye_distance, fr_auc, landmark_boxes,
                        normalised_errors, sample_nme, simpson)

__all__ = [
    'DEFAULT_NORM_INDICES', 'DEFAULT_NORM_MODE', 'box_size', 'ced_curve',
    'eye_distance', 'fr_auc', 'landmark_boxes', 'normalised_errors',
    'sample_nme', 'simpson'
]
