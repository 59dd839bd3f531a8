"""Crops -> landmarks in image px with an exported model (onnxruntime, TFLite) or PyTorch.

Face detectors live in :mod:`popos.apis.detectors`; the user-facing entry point is
:class:`popos.apis.FaceLandmarker`, which uses this predictor for the exported backends (the
runners and export modules it drives live in :mod:`popos.deploy`).
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine import Config

from ..deploy.modules import HeatmapModel, decode_to_input_px
from ..deploy.runners import BackendRunner, ExportMismatchError, TorchRunner, build_runner


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


def test_padding(model_cfg: Config, default: float = 1.25) -> float:
    """``GetBBoxCenterScale``'s padding in the model config's test pipeline (mmpose's default)."""
    loader = model_cfg.get('test_dataloader') or model_cfg.get('val_dataloader') or {}
    for step in loader.get('dataset', {}).get('pipeline', []) or []:
        if step.get('type') == 'GetBBoxCenterScale':
            return float(step.get('padding', default))
    return default


class LandmarkPredictor:
    """Crops faces with the model's test convention and predicts landmarks in image px.

    The crop is mmpose's ``GetBBoxCenterScale(padding=1.25)`` + ``TopdownAffine``
    (aspect ratio fixed to the input), normalised by the model's data preprocessor; a
    heatmap output is decoded by the model's POPoS codec, a decode-in-graph output is used
    as is. Keypoints map back with ``kpt / input_size * scale + center - scale / 2``.
    """

    def __init__(self, model_cfg: Config, runner: BackendRunner,
                 padding: Optional[float] = None) -> None:
        from mmengine.registry import init_default_scope
        from mmpose.registry import KEYPOINT_CODECS
        init_default_scope('mmpose')
        codec = model_cfg.codec[-1] if isinstance(model_cfg.codec, list) else model_cfg.codec
        self.codec = KEYPOINT_CODECS.build(codec)
        self.input_size = tuple(int(v) for v in self.codec.input_size)
        # the box padding the model was tested with (its test pipeline's GetBBoxCenterScale)
        self.padding = padding if padding is not None else test_padding(model_cfg)
        pre = model_cfg.model.data_preprocessor
        self._rgb = bool(pre.get('bgr_to_rgb', False))
        self._mean = np.asarray(pre.get('mean', (0., 0., 0.)), np.float32)
        self._std = np.asarray(pre.get('std', (1., 1., 1.)), np.float32)
        self.num_keypoints = int(model_cfg.model.head.out_channels)
        self.runner = runner

    def _check_outputs(self, outs: List[np.ndarray], faces: int) -> None:
        """The model file must be the config's model: same keypoints, same heatmap size (a
        mismatch would decode into plausible-looking garbage, not fail)."""
        first = outs[0]
        w, h = (int(v) for v in self.codec.heatmap_size)
        if first.ndim == 4:
            want, what = (faces, self.num_keypoints, h, w), f'{w}x{h} heatmaps (W x H)'
        else:
            want, what = (faces, self.num_keypoints, 2), 'keypoints'
        if tuple(first.shape) != want:
            raise ExportMismatchError(
                f'the model file outputs {tuple(first.shape)} but its config expects '
                f'{self.num_keypoints} {what} per face {want}: the exported file and the model '
                'config belong to different models')

    def crops(self, img: np.ndarray, boxes: np.ndarray) -> Tuple[np.ndarray, List[dict]]:
        """BGR image + (N, 4) xyxy boxes -> normalised (N, 3, H, W) float32 crops and metas.

        The arithmetic of mmpose's ``GetBBoxCenterScale`` + ``TopdownAffine`` + the data
        preprocessor, without their per-face dict copies: one ``warpAffine`` of the shared
        image per face (tested equal to mmpose's transforms).
        """
        import cv2
        from mmpose.datasets.transforms import TopdownAffine
        from mmpose.structures.bbox import bbox_xyxy2cs
        w, h = self.input_size
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        centers, scales = bbox_xyxy2cs(boxes, padding=self.padding)
        scales = TopdownAffine._fix_aspect_ratio(scales, aspect_ratio=w / h)
        out = np.empty((len(boxes), 3, h, w), np.float32)
        metas = []
        for i, (center, scale) in enumerate(zip(centers, scales)):
            # mmpose's get_warp_matrix without rotation, in closed form: the aspect ratio is
            # already the input's, so box -> crop is one uniform scale and a shift (it builds
            # the same matrix through cv2.getAffineTransform, ~3x slower per face)
            k = w / float(scale[0])
            mat = np.array([[k, 0., w / 2 - k * center[0]], [0., k, h / 2 - k * center[1]]])
            crop = cv2.warpAffine(img, mat, (w, h), flags=cv2.INTER_LINEAR)
            if self._rgb:
                crop = crop[..., ::-1]
            out[i] = ((crop - self._mean) / self._std).transpose(2, 0, 1)
            metas.append(dict(center=center, scale=scale))
        return out, metas

    def predict(self, img: np.ndarray, boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(N,4) xyxy boxes -> keypoints (N,K,2) in image px and scores (N,K)."""
        if len(boxes) == 0:
            return np.zeros((0, 0, 2), np.float32), np.zeros((0, 0), np.float32)
        inputs, metas = self.crops(img, boxes)
        outs = self.runner(inputs)
        self._check_outputs(outs, len(boxes))
        if outs[0].ndim == 4:  # heatmaps: decode with the model's codec
            kpts, scores = decode_to_input_px(torch.from_numpy(outs[0]), self.codec)
            kpts, scores = kpts.numpy(), scores.numpy()
        else:  # decode in graph: keypoints (and scores when the graph has them)
            kpts = outs[0]
            scores = outs[1] if len(outs) > 1 else np.ones(kpts.shape[:2], np.float32)
        centers = np.stack([m['center'] for m in metas])[:, None]
        scales = np.stack([m['scale'] for m in metas])[:, None]
        kpts = kpts / np.asarray(self.input_size, np.float32) * scales + centers - 0.5 * scales
        return kpts.astype(np.float32), np.asarray(scores, np.float32).reshape(kpts.shape[:2])

    def __call__(self, img: np.ndarray, boxes: np.ndarray) -> List[np.ndarray]:
        """(N,4) xyxy boxes -> one (K,2) array per face, image px."""
        if len(boxes) == 0:
            return []
        return list(self.predict(img, boxes)[0])


def build_predictor(model_cfg: Config, backend: str, model_file: Optional[str] = None,
                    checkpoint: Optional[str] = None) -> LandmarkPredictor:
    """``backend``: 'torch' (model config + checkpoint), 'onnxruntime' or 'tflite' (file)."""
    if backend == 'torch':
        from ..deploy.export import build_torch_model
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
