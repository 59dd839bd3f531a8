"""Image -> faces -> landmarks with any backend (PyTorch, onnxruntime, TFLite), in image px."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine import Config

from .modules import HeatmapModel, decode_to_input_px
from .runners import BackendRunner, TorchRunner, build_runner

HAAR_CASCADE = 'haarcascade_frontalface_default.xml'


def _cascade_classifier():
    """``cv2.CascadeClassifier`` (OpenCV 4) or its OpenCV 5 home in contrib's xobjdetect."""
    if hasattr(cv2, 'CascadeClassifier'):
        return cv2.CascadeClassifier
    xobj = getattr(cv2, 'xobjdetect', None)
    if xobj is not None and hasattr(xobj, 'CascadeClassifier'):
        return xobj.CascadeClassifier
    return None


class HaarFaceDetector:
    """OpenCV's bundled frontal-face Haar cascade: offline, no weights to download.

    OpenCV 5 dropped the cascade classifier and its XML files from the main package; there
    pass ``cascade`` (an XML from OpenCV 4 / opencv_contrib) with a build that has it, or use
    a box json / an mmdet detector instead.
    """

    def __init__(self, cascade: Optional[str] = None, min_size: int = 24) -> None:
        classifier = _cascade_classifier()
        if classifier is None:
            raise RuntimeError(
                f'OpenCV {cv2.__version__} has no CascadeClassifier (removed from the main '
                'package in OpenCV 5): give face boxes with --boxes JSON, an mmdet detector '
                'with --det-config/--det-checkpoint, or --whole-image for pre-cropped faces')
        path = cascade or osp.join(getattr(getattr(cv2, 'data', None), 'haarcascades', ''),
                                   HAAR_CASCADE)
        if not osp.isfile(path):
            raise FileNotFoundError(f'Haar cascade not found: {path} (pass --cascade XML)')
        self.cascade = classifier(path)
        if self.cascade.empty():
            raise ValueError(f'cannot load the Haar cascade {path}')
        self.min_size = min_size

    def __call__(self, img: np.ndarray, name: str) -> np.ndarray:
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        boxes = self.cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                              minSize=(self.min_size, self.min_size))
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], 1)  # xyxy


class WholeImage:
    """The whole image is one face box (pre-cropped faces; mmdeploy's convention)."""

    def __call__(self, img: np.ndarray, name: str) -> np.ndarray:
        h, w = img.shape[:2]
        return np.array([[0, 0, w, h]], np.float32)


class JsonBoxes:
    """Boxes from a COCO json (``images[].file_name`` + ``annotations[].bbox`` xywh)."""

    def __init__(self, path: str) -> None:
        with open(path) as f:
            coco = json.load(f)
        names = {im['id']: im['file_name'] for im in coco.get('images', [])}
        self.boxes: Dict[str, List[List[float]]] = {}
        for ann in coco.get('annotations', []):
            if 'bbox' not in ann or ann.get('image_id') not in names:
                continue
            x, y, w, h = ann['bbox']
            key = osp.basename(names[ann['image_id']])
            self.boxes.setdefault(key, []).append([x, y, x + w, y + h])

    def __call__(self, img: np.ndarray, name: str) -> np.ndarray:
        return np.asarray(self.boxes.get(osp.basename(name), []), np.float32).reshape(-1, 4)


class MMDetFaceDetector:
    """An mmdet config + checkpoint (boxes of every class above ``score_thr``)."""

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 score_thr: float = 0.5) -> None:
        from mmdet.apis import inference_detector, init_detector
        self.model = init_detector(config, checkpoint, device=device)
        self.infer = inference_detector
        self.score_thr = score_thr

    def __call__(self, img: np.ndarray, name: str) -> np.ndarray:
        pred = self.infer(self.model, img).pred_instances
        keep = pred.scores > self.score_thr
        return pred.bboxes[keep].cpu().numpy().astype(np.float32).reshape(-1, 4)


class LandmarkPredictor:
    """Crops faces with the model's test convention and predicts landmarks in image px.

    The crop is mmpose's ``GetBBoxCenterScale(padding=1.25)`` + ``TopdownAffine``
    (aspect ratio fixed to the input), normalised by the model's data preprocessor; a
    heatmap output is decoded by the model's POPoS codec, a decode-in-graph output is used
    as is. Keypoints map back with ``kpt / input_size * scale + center - scale / 2``.
    """

    def __init__(self, model_cfg: Config, runner: BackendRunner, padding: float = 1.25) -> None:
        from mmengine.registry import init_default_scope
        from mmpose.registry import KEYPOINT_CODECS, MODELS, TRANSFORMS
        init_default_scope('mmpose')
        codec = model_cfg.codec[-1] if isinstance(model_cfg.codec, list) else model_cfg.codec
        self.codec = KEYPOINT_CODECS.build(codec)
        self.input_size = tuple(int(v) for v in self.codec.input_size)
        self.crop = [TRANSFORMS.build(dict(type='GetBBoxCenterScale', padding=padding)),
                     TRANSFORMS.build(dict(type='TopdownAffine', input_size=self.input_size))]
        self.preprocessor = MODELS.build(model_cfg.model.data_preprocessor)
        self.runner = runner

    def crops(self, img: np.ndarray, boxes: np.ndarray) -> Tuple[np.ndarray, List[dict]]:
        inputs, metas = [], []
        for box in boxes:
            res = dict(img=img.copy(), bbox=box[None].astype(np.float32),
                       bbox_score=np.ones(1, np.float32))
            for t in self.crop:
                res = t(res)
            inputs.append(torch.from_numpy(res['img'].transpose(2, 0, 1).copy()))
            metas.append(dict(center=res['input_center'], scale=res['input_scale']))
        from mmpose.structures import PoseDataSample
        data = self.preprocessor(dict(inputs=inputs,
                                      data_samples=[PoseDataSample() for _ in inputs]), False)
        return data['inputs'].float().numpy(), metas

    def __call__(self, img: np.ndarray, boxes: np.ndarray) -> List[np.ndarray]:
        """(N,4) xyxy boxes -> one (K,2) array per face, image px."""
        if len(boxes) == 0:
            return []
        inputs, metas = self.crops(img, boxes)
        outs = self.runner(inputs)
        if outs[0].ndim == 4:  # heatmaps: decode with the model's codec
            kpts, _ = decode_to_input_px(torch.from_numpy(outs[0]), self.codec)
            kpts = kpts.numpy()
        else:
            kpts = outs[0]
        size = np.asarray(self.input_size, np.float32)
        return [k / size * m['scale'] + m['center'] - 0.5 * m['scale']
                for k, m in zip(kpts, metas)]


def build_predictor(model_cfg: Config, backend: str, model_file: Optional[str] = None,
                    checkpoint: Optional[str] = None) -> LandmarkPredictor:
    """``backend``: 'torch' (model config + checkpoint), 'onnxruntime' or 'tflite' (file)."""
    if backend == 'torch':
        from .export import build_torch_model
        runner: BackendRunner = TorchRunner(HeatmapModel(build_torch_model(model_cfg,
                                                                           checkpoint)))
    elif backend in ('onnxruntime', 'tflite'):
        if not model_file:
            raise ValueError(f'the {backend} backend needs --model FILE')
        want = '.onnx' if backend == 'onnxruntime' else '.tflite'
        if not model_file.endswith(want):
            raise ValueError(f'{backend} expects a {want} file, got {model_file}')
        runner = build_runner(model_file)
    else:
        raise ValueError(f"backend must be 'torch', 'onnxruntime' or 'tflite', got {backend!r}")
    return LandmarkPredictor(model_cfg, runner)


def draw(img: np.ndarray, boxes: np.ndarray, faces: Sequence[np.ndarray]) -> np.ndarray:
    """Boxes in green, landmarks in red."""
    out = img.copy()
    radius = max(1, int(round(max(img.shape[:2]) / 300)))
    for box in boxes:
        cv2.rectangle(out, tuple(int(v) for v in box[:2]), tuple(int(v) for v in box[2:]),
                      (0, 255, 0), 1)
    for pts in faces:
        for x, y in pts:
            cv2.circle(out, (int(round(x)), int(round(y))), radius, (0, 0, 255), -1)
    return out
