"""``FaceLandmarker``: faces and 68-point landmarks in a photo, in two lines."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .detectors import FaceDetector, build_detector
from .layouts import convert_layout, convert_scores, layout_matrix

ImageLike = Union[str, np.ndarray]
BACKENDS = ('torch', 'onnxruntime', 'tflite')


def read_image(img: ImageLike) -> np.ndarray:
    """A path, encoded image bytes or a uint8 array (gray, BGR, BGRA) -> H x W x 3 BGR uint8,
    or a clear error."""
    import cv2
    if isinstance(img, (bytes, bytearray)):
        # encoded file contents (e.g. a JPEG read from a socket): decode them, do not treat
        # kilobytes of data as a path (OpenCV asserts on an empty buffer)
        arr = cv2.imdecode(np.frombuffer(img, np.uint8), cv2.IMREAD_COLOR) if img else None
        if arr is None:
            raise ValueError(f'cannot decode the {len(img)} bytes given as an image')
        return arr
    if isinstance(img, str) or hasattr(img, '__fspath__'):
        path = str(img)
        if osp.isdir(path):
            raise IsADirectoryError(f'{path} is a directory: pass one image (the demos take '
                                    'folders)')
        if not osp.isfile(path):
            raise FileNotFoundError(f'image not found: {path}')
        # IMREAD_COLOR applies the EXIF orientation (phone photos) and gives 8-bit BGR
        arr = cv2.imread(path, cv2.IMREAD_COLOR)
        if arr is None:
            raise ValueError(f'cannot read image {path}: not an image OpenCV can decode')
        return arr
    if not isinstance(img, np.ndarray):
        raise TypeError(f'expected an image path, encoded bytes or a uint8 numpy array (BGR), '
                        f'got {type(img).__name__} (one image per call; a PIL image: '
                        'np.asarray(img)[..., ::-1])')
    arr = img
    if arr.dtype != np.uint8:
        raise TypeError(f'expected a uint8 image, got dtype {arr.dtype} (scale to 0..255 first)')
    if arr.ndim in (2, 3) and 0 in arr.shape[:2]:
        raise ValueError(f'empty image: shape {arr.shape}')
    if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 1):
        return cv2.cvtColor(arr.reshape(arr.shape[:2]), cv2.COLOR_GRAY2BGR)
    if arr.ndim == 3 and arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR)
    if arr.ndim == 3 and arr.shape[2] == 3:
        return np.ascontiguousarray(arr)
    raise ValueError(f'expected an H x W (x 1|3|4) image, got shape {arr.shape}')


def check_bboxes(bboxes, image_hw: Tuple[int, int]) -> np.ndarray:
    """``bboxes`` given by a caller -> (N, 4) float32 xyxy, or a clear error.

    ``[]`` (no detections) is no face. A box must be finite, have x1 > x0 and y1 > y0 and
    overlap the image: a crop wholly outside it holds no face, yet the network still answers.
    """
    try:
        boxes = np.asarray(bboxes, np.float32)
    except (TypeError, ValueError) as err:
        raise ValueError(f'bboxes must be numbers, [x0, y0, x1, y1] per box: {err}') from None
    if boxes.size == 0:
        return np.zeros((0, 4), np.float32)
    if boxes.shape[-1:] != (4, ) or boxes.ndim > 2:
        raise ValueError(f'bboxes must be one [x0, y0, x1, y1] box or a list of them, '
                         f'got an array of shape {boxes.shape}')
    boxes = boxes.reshape(-1, 4)
    if not np.isfinite(boxes).all() or ((boxes[:, 2:] - boxes[:, :2]) <= 0).any():
        raise ValueError(f'bboxes must be finite xyxy boxes with x1 > x0, y1 > y0: '
                         f'{boxes.tolist()}')
    h, w = image_hw
    outside = (boxes[:, 2] <= 0) | (boxes[:, 3] <= 0) | (boxes[:, 0] >= w) | (boxes[:, 1] >= h)
    if outside.any():
        raise ValueError(f'bbox {boxes[outside][0].tolist()} lies outside the {w}x{h} image')
    return boxes


def resolve_model(model: str, weights: Optional[str],
                  need_checkpoint: bool = True) -> Tuple[str, Optional[str], Dict]:
    """A shipped name / alias, or a config path -> (config, checkpoint, index entry or {})."""
    from ..weights import get_model_info, list_aliases, list_models
    if model in list_models() or model in list_aliases():
        info = get_model_info(model)
        return info['config'], weights or info['checkpoint'], info
    if osp.isfile(model):
        if weights is None and need_checkpoint:
            raise ValueError(f'model config {model} needs weights=CHECKPOINT')
        return model, weights, {}
    raise FileNotFoundError(
        f'{model!r} is neither a shipped model ({", ".join(list_models() + list(list_aliases()))})'
        ' nor a config file')


class FaceLandmarker:
    """Detect faces, crop each with mmpose's test pipeline and decode its heatmaps with POPoS.

    Args:
        model: ``'default'`` (the shipped 68-point model), ``'small'``, ``'tiny'`` (the
            embedded model, also as int8 TFLite and ONNX), a shipped model name
            (:func:`popos.weights.list_models`) or a model config path.
        weights: checkpoint for ``backend='torch'`` (default: the shipped one), or the
            ``.onnx`` / ``.tflite`` file for the other backends (default: the shipped model's
            export, e.g. ``FaceLandmarker('tiny', backend='tflite')``).
        detector: ``'dlib'`` (HOG, offline), ``'haar'``, ``(det_config, det_checkpoint)``
            of an mmdet detector, or a :class:`~popos.apis.detectors.FaceDetector`.
        device: torch device for the landmark model (and an mmdet detector).
        backend: ``'torch'``, ``'onnxruntime'`` or ``'tflite'``.
        layout: convert the landmarks to another markup (``'68'``, ``'51'``, ``'5'``: eye
            centres, nose tip, mouth corners).
        flip_test: average with the mirrored crop (2x the network cost, a little more accurate).
        decoder: POPoS decoder settings replacing the model config's, e.g.
            ``dict(anchor_mask='monotone', robust_iters=0)`` (``backend='torch'``: an exported
            graph holds its decoder).

    Calling it returns one dict per face, largest face first: ``bbox`` (4,) xyxy,
    ``bbox_score``, ``keypoints`` (K, 2) image px, ``keypoint_scores`` (K,).
    """

    def __init__(self, model: str = 'default', weights: Optional[str] = None,
                 detector: Union[str, Sequence[str], FaceDetector] = 'dlib',
                 device: str = 'cpu', backend: str = 'torch', layout: Optional[str] = None,
                 flip_test: bool = False, decoder: Optional[Dict[str, object]] = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
        if flip_test and backend != 'torch':
            # an exported graph holds one forward pass; averaging a mirrored pass is not in it
            raise ValueError(f"flip_test=True needs backend='torch' (got {backend!r})")
        if decoder and backend != 'torch':
            raise ValueError(f"decoder settings need backend='torch' (got {backend!r}): an "
                             'exported graph holds its decoder; export with the settings on '
                             "the config's codec (model.head.decoder)")
        config, checkpoint, self.model_info = resolve_model(
            model, weights if backend == 'torch' else None, need_checkpoint=backend == 'torch')
        if backend != 'torch' and weights is None and self.model_info:
            weights = self.model_info['exports'].get(backend)
            if weights is None:
                have = ', '.join(self.model_info['exports']) or 'none'
                raise ValueError(f'shipped model {self.model_info["name"]!r} has no {backend} '
                                 f'export (it has: {have}); export one with tools/deploy.py '
                                 'and pass weights=FILE')
        self.backend = backend
        self.detector = build_detector(detector, device) if detector is not None else None
        if backend == 'torch':
            from mmpose.apis import init_model

            from ..utils.checkpoint import load_checked_checkpoint
            self.model = init_model(config, None, device=device)
            # mmpose loads non-strictly: another model's weights would give wrong landmarks
            ckpt = load_checked_checkpoint(self.model, checkpoint, self.model.cfg)
            # as init_model: the checkpoint's dataset meta over the config's
            if 'dataset_meta' in (ckpt.get('meta') or {}):
                self.model.dataset_meta = ckpt['meta']['dataset_meta']
            self.model.test_cfg['flip_test'] = bool(flip_test)
            if decoder:
                self._set_decoder(dict(decoder))
            from mmengine.dataset import Compose
            from mmengine.registry import init_default_scope
            init_default_scope(self.model.cfg.get('default_scope', 'mmpose'))
            self._pipeline = Compose(self.model.cfg.test_dataloader.dataset.pipeline)
            self.num_keypoints = int(self.model.head.out_channels)
            self._predictor = None
        else:
            if not weights:
                raise ValueError(f'backend {backend!r} needs weights=<exported file>')
            from ..deploy.export import load_model_config
            from .predictor import build_predictor
            cfg = load_model_config(config)
            self._predictor = build_predictor(cfg, backend, model_file=weights)
            self.num_keypoints = int(cfg.model.head.out_channels)
        self.config = config
        self.layout = layout
        if layout is not None:  # fail here, not on the first image
            layout_matrix(self.num_keypoints, layout)

    def _set_decoder(self, settings: Dict[str, object]) -> None:
        """Rebuild the head's POPoS codec with ``settings`` over the config's (checked there)."""
        from mmpose.registry import KEYPOINT_CODECS

        from ..codecs import POPoSHeatmap, check_decoder_settings
        cfg = dict(self.model.cfg.model.head.decoder)
        if cfg.get('type') not in ('POPoSHeatmap', POPoSHeatmap):
            raise ValueError(f'decoder settings need a POPoSHeatmap codec, the model has '
                             f'{cfg.get("type")!r}')
        check_decoder_settings(settings)
        self.model.head.decoder = KEYPOINT_CODECS.build(dict(cfg, **settings))

    def detect(self, img: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """BGR image -> (detector boxes, scores, landmark-model boxes), largest face first."""
        if self.detector is None:
            raise ValueError('this FaceLandmarker has no detector: pass bboxes=')
        boxes, scores = self.detector(img)
        order = np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]),
                           kind='stable')
        boxes, scores = boxes[order], scores[order]
        return boxes, scores, self.detector.landmark_boxes(boxes)

    def predict_boxes(self, img: np.ndarray, boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Landmark boxes (N, 4) xyxy -> keypoints (N, K, 2) image px, scores (N, K).

        All boxes of the image go through one batched forward.
        """
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if len(boxes) == 0:
            k = self.num_keypoints
            return np.zeros((0, k, 2), np.float32), np.zeros((0, k), np.float32)
        if self._predictor is not None:
            return self._predictor.predict(img, boxes)
        import torch
        from mmengine.dataset import pseudo_collate
        # mmpose's inference_topdown, with its test pipeline built once instead of per call
        data = [self._pipeline(dict(img=img, bbox=box[None], bbox_score=np.ones(1, np.float32),
                                    **self.model.dataset_meta)) for box in boxes]
        with torch.no_grad():
            samples = self.model.test_step(pseudo_collate(data))
        kpts = np.concatenate([s.pred_instances.keypoints for s in samples]).astype(np.float32)
        scores = np.concatenate([s.pred_instances.keypoint_scores for s in samples])
        return kpts, scores.astype(np.float32)

    def __call__(self, img: ImageLike, bboxes: Optional[Sequence[Sequence[float]]] = None
                 ) -> List[Dict[str, np.ndarray]]:
        """Landmarks of every face in ``img`` (path or BGR array), or of the given boxes.

        ``bboxes`` (xyxy, image px) skip detection; they are used as the landmark model's
        boxes (the tight box around the face's landmarks, as in the training annotations).
        """
        image = read_image(img)
        if bboxes is None:
            boxes, scores, model_boxes = self.detect(image)
        else:
            boxes = check_bboxes(bboxes, image.shape[:2])
            scores, model_boxes = np.ones(len(boxes), np.float32), boxes
        kpts, kpt_scores = self.predict_boxes(image, model_boxes)
        if self.layout is not None:
            kpts = convert_layout(kpts, self.layout)
            kpt_scores = convert_scores(kpt_scores, self.layout)
        return [dict(bbox=boxes[i], bbox_score=float(scores[i]), keypoints=kpts[i],
                     keypoint_scores=kpt_scores[i]) for i in range(len(boxes))]
