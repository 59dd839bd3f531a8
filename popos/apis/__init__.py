"""User-facing inference: ``FaceLandmarker``, offline face detectors, layout conversion."""
from .detectors import (DlibFaceDetector, FaceDetector, HaarFaceDetector, MMDetFaceDetector,
                        build_detector, calibrate_boxes)
from .face_landmarker import FaceLandmarker, read_image
from .layouts import convert_layout, convert_scores, layout_indices

__all__ = ['FaceLandmarker', 'FaceDetector', 'DlibFaceDetector', 'HaarFaceDetector',
           'MMDetFaceDetector', 'build_detector', 'calibrate_boxes', 'convert_layout',
           'convert_scores',            'layout_indices', 'read_image']
