"""Offline face detectors for :class:`~popos.apis.FaceLandmarker`: dlib HOG, OpenCV Haar, mmdet.

Every detector maps a BGR uint8 image to ``(boxes (N, 4) xyxy float32, scores (N,) float32)``
in image pixels. Detectors frame faces differently (dlib's box sits inside the brows-to-chin
area, Haar's is larger), while the landmark models were trained on the tight box around the
68 landmarks. Each detector therefore carries a *box calibration* - the median offset and
scale from its box to the landmark box, measured on the 1,817 real 300-W train faces by
``tools/analysis/benchmark_detectors.py`` - and :meth:`FaceDetector.landmark_boxes` applies it.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

Detections = Tuple[np.ndarray, np.ndarray]


class FaceDetector:
    """Base class: ``__call__(img) -> (boxes xyxy, scores)`` and the box calibration."""

    name = 'identity'
    # (centre x offset, centre y offset) in box widths/heights, (width, height) scale
    calibration: Tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)

    def __call__(self, img: np.ndarray) -> Detections:
        raise NotImplementedError

    def landmark_boxes(self, boxes: np.ndarray) -> np.ndarray:
        """Detector boxes (N, 4) xyxy -> the boxes the landmark model expects (landmark extent)."""
        return calibrate_boxes(boxes, self.calibration)


def calibrate_boxes(boxes: np.ndarray, calibration: Sequence[float]) -> np.ndarray:
    """Shift and scale xyxy boxes by ``(dx, dy, sw, sh)`` relative to their own size."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    dx, dy, sw, sh = calibration
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    cx = (boxes[:, 0] + boxes[:, 2]) / 2 + dx * w
    cy = (boxes[:, 1] + boxes[:, 3]) / 2 + dy * h
    half_w, half_h = sw * w / 2, sh * h / 2
    return np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1).astype(np.float32)


class DlibFaceDetector(FaceDetector):
    """dlib's HOG + linear SVM frontal face detector (weights inside the ``dlib-bin`` wheel).

    Args:
        upsample: image pyramid up-samplings (1 finds faces down to ~40 px).
        score_thr: minimum SVM score (dlib's ``adjust_threshold``; 0 = dlib's default).
    """

    name = 'dlib'
    calibration = (0.0, 0.108, 0.99, 0.955)

    def __init__(self, upsample: int = 1, score_thr: float = 0.0) -> None:
        try:
            import dlib
        except ImportError as err:
            raise ImportError('the dlib face detector needs `pip install dlib-bin` '
                              "(or detector='haar')") from err
        self.detector = dlib.get_frontal_face_detector()
        self.upsample = int(upsample)
        self.score_thr = float(score_thr)

    def __call__(self, img: np.ndarray) -> Detections:
        rgb = np.ascontiguousarray(img[..., ::-1])
        rects, scores, _ = self.detector.run(rgb, self.upsample, self.score_thr)
        boxes = np.array([[r.left(), r.top(), r.right() + 1, r.bottom() + 1] for r in rects],
                         np.float32).reshape(-1, 4)
        return boxes, np.asarray(scores, np.float32).reshape(-1)


class HaarFaceDetector(FaceDetector):
    """OpenCV's bundled frontal-face Haar cascade (``opencv-python`` 4.x ships the XML).

    Scores are the cascade's detection counts (``detectMultiScale3`` level weights).
    """

    name = 'haar'
    calibration = (0.0, 0.147, 0.854, 0.836)
    CASCADE = 'haarcascade_frontalface_default.xml'

    def __init__(self, cascade: Optional[str] = None, min_size: int = 24,
                 min_neighbors: int = 5) -> None:
        import os.path as osp

        import cv2
        classifier = getattr(cv2, 'CascadeClassifier', None)
        if classifier is None:
            raise RuntimeError(f'OpenCV {cv2.__version__} has no CascadeClassifier (removed in '
                               "OpenCV 5): use detector='dlib' or pass bboxes")
        path = cascade or osp.join(getattr(getattr(cv2, 'data', None), 'haarcascades', ''),
                                   self.CASCADE)
        if not osp.isfile(path):
            raise FileNotFoundError(f'Haar cascade not found: {path}')
        self.cascade = classifier(path)
        if self.cascade.empty():
            raise ValueError(f'cannot load the Haar cascade {path}')
        self.min_size, self.min_neighbors = int(min_size), int(min_neighbors)

    def __call__(self, img: np.ndarray) -> Detections:
        import cv2
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        boxes, _, weights = self.cascade.detectMultiScale3(
            gray, scaleFactor=1.1, minNeighbors=self.min_neighbors,
            minSize=(self.min_size, self.min_size), outputRejectLevels=True)
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        return boxes, np.asarray(weights, np.float32).reshape(-1)


class MMDetFaceDetector(FaceDetector):
    """Any mmdet 3.x face detector from its config and checkpoint (boxes above ``score_thr``).

    ``calibration`` defaults to none: pass the one measured for your detector
    (``tools/analysis/benchmark_detectors.py`` prints it).
    """

    name = 'mmdet'

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 score_thr: float = 0.5,
                 calibration: Tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> None:
        from mmdet.apis import inference_detector, init_detector

        from ..utils import safe_loading
        with safe_loading():  # weights_only=True whatever torch's default says
            self.model = init_detector(config, checkpoint, device=device)
        self._infer = inference_detector
        self.score_thr = float(score_thr)
        self.calibration = tuple(calibration)

    def __call__(self, img: np.ndarray) -> Detections:
        pred = self._infer(self.model, img).pred_instances
        keep = pred.scores > self.score_thr
        return (pred.bboxes[keep].cpu().numpy().astype(np.float32).reshape(-1, 4),
                pred.scores[keep].cpu().numpy().astype(np.float32))


def build_detector(detector, device: str = 'cpu') -> FaceDetector:
    """``'dlib'``, ``'haar'``, ``(det_config, det_checkpoint)`` or a :class:`FaceDetector`."""
    if isinstance(detector, FaceDetector):
        return detector
    if detector == 'dlib':
        return DlibFaceDetector()
    if detector == 'haar':
        return HaarFaceDetector()
    if isinstance(detector, (tuple, list)) and len(detector) == 2:
        return MMDetFaceDetector(detector[0], detector[1], device=device)
    raise ValueError("detector must be 'dlib', 'haar', (det_config, det_checkpoint) or a "
                     f'FaceDetector, got {detector!r}')
