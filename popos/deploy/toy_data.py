"""A tiny WFLW-format toy face set (drawn cartoon faces) for deploy tests and benchmarks.

Not a substitute for the synthetic face generator or real data: it exists so export
parity, calibration and the NME of each backend can be measured offline in seconds. The 98
points follow WFLW's index layout (contour 0-32, brows 33-50, nose 51-59, eyes 60-75,
mouth 76-95, pupils 96-97), so the inter-ocular NME (points 60, 72) is meaningful.
"""
import json
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np


def _arc(cx, cy, rx, ry, a0, a1, n):
    t = np.linspace(a0, a1, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], -1)


def template() -> np.ndarray:
    """(98, 2) canonical face in a unit box centred on 0."""
    contour = _arc(0, -0.05, 0.45, 0.55, np.pi * 0.05, np.pi * 0.95, 33)[::-1]
    contour[:, 1] *= 1.0
    brow = lambda cx: np.concatenate([_arc(cx, -0.22, 0.15, 0.06, np.pi * 1.05, np.pi * 1.95, 5),
                                      _arc(cx, -0.19, 0.12, 0.04, np.pi * 1.85, np.pi * 1.15, 4)])
    bridge = np.stack([np.zeros(4), np.linspace(-0.12, 0.08, 4)], -1)
    nose = np.stack([np.linspace(-0.08, 0.08, 5), np.full(5, 0.12)], -1)
    eye = lambda cx: _arc(cx, -0.08, 0.09, 0.045, np.pi, -np.pi + 0.01, 9)[:8]
    left_eye, right_eye = eye(-0.2), eye(0.2)[::-1]
    left_eye = np.roll(left_eye, 0, 0)
    outer = _arc(0, 0.27, 0.18, 0.08, np.pi, -np.pi + 0.01, 13)[:12]
    inner = _arc(0, 0.27, 0.11, 0.035, np.pi, -np.pi + 0.01, 9)[:8]
    pupils = np.array([[-0.2, -0.08], [0.2, -0.08]])
    pts = np.concatenate([contour, brow(-0.2), brow(0.2), bridge, nose, left_eye, right_eye,
                          outer, inner, pupils])
    assert pts.shape == (98, 2), pts.shape
    return pts.astype(np.float32)


_PARTS = [(0, 33, (40, 40, 200)), (33, 42, (20, 20, 20)), (42, 51, (20, 20, 20)),
          (51, 55, (0, 120, 255)), (55, 60, (0, 80, 200)), (60, 68, (255, 80, 0)),
          (68, 76, (255, 160, 0)), (76, 88, (40, 0, 160)), (88, 96, (120, 0, 220))]


def draw_face(rng: np.random.Generator, size: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One BGR image with a random face; returns (image, keypoints (98,2), bbox xywh)."""
    img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    img = cv2.GaussianBlur(img, (0, 0), 3)
    scale = size * rng.uniform(0.45, 0.65)
    angle = rng.uniform(-0.35, 0.35)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = size / 2 + rng.uniform(-0.08, 0.08, 2) * size
    pts = template() + rng.normal(0, 0.012, (98, 2))
    pts = pts @ rot.T * scale + centre
    face = (template()[:33] @ rot.T * scale + centre)
    skin = tuple(int(v) for v in rng.integers(120, 230, 3))
    cv2.fillPoly(img, [np.concatenate([face, face[:1] - [0, scale * 0.4]]).astype(np.int32)], skin)
    cv2.ellipse(img, tuple(int(v) for v in centre - rot @ [0, 0.05] * scale),
                (int(0.45 * scale), int(0.6 * scale)), np.degrees(angle), 180, 360, skin, -1)
    for a, b, colour in _PARTS:
        cv2.polylines(img, [pts[a:b].astype(np.int32)], a >= 60, colour, 1, cv2.LINE_AA)
    for i, p in enumerate(pts):
        cv2.circle(img, (int(round(p[0])), int(round(p[1]))), 1,
                   (255, 255, 255) if i >= 96 else (0, 0, 0), -1)
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0)
    return img, pts.astype(np.float32), np.array([x0, y0, x1 - x0, y1 - y0], np.float32)


def make_toy_wflw(out_dir: str, num_train: int, num_test: int, image_size: int = 96,
                  seed: int = 0) -> str:
    """Write ``out_dir/images/*.png`` and ``out_dir/annotations/face_landmarks_wflw_{train,test}.json``."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    ann_id = 0
    for split, n in (('train', num_train), ('test', num_test)):
        images, annotations = [], []
        for i in range(n):
            img, kpts, bbox = draw_face(rng, image_size)
            name = f'{split}_{i:05d}.png'
            cv2.imwrite(osp.join(out_dir, 'images', name), img)
            ann_id += 1
            images.append(dict(id=ann_id, file_name=name, height=image_size, width=image_size))
            kp = np.concatenate([kpts, np.ones((98, 1), np.float32)], 1).reshape(-1)
            cx, cy = bbox[:2] + bbox[2:] / 2
            annotations.append(dict(
                image_id=ann_id, id=ann_id, category_id=1, iscrowd=0, num_keypoints=98,
                keypoints=[float(v) for v in kp], bbox=[float(v) for v in bbox],
                area=float(bbox[2] * bbox[3]), center=[float(cx), float(cy)],
                scale=float(max(bbox[2:]) / 200.0)))
        coco = dict(images=images, annotations=annotations, categories=[dict(
            supercategory='person', id=1, name='face', keypoints=[], skeleton=[])])
        with open(osp.join(out_dir, 'annotations', f'face_landmarks_wflw_{split}.json'), 'w') as f:
            json.dump(coco, f)
    return out_dir


def toy_model_config(model_cfg, data_root: str):
    """The model config pointed at a toy set written by :func:`make_toy_wflw`."""
    from mmengine import Config
    cfg = Config.fromfile(model_cfg) if isinstance(model_cfg, str) else model_cfg.copy()
    for split, ann in (('train', 'train'), ('val', 'test'), ('test', 'test')):
        ds = cfg[f'{split}_dataloader'].dataset
        ds.data_root = data_root
        ds.ann_file = f'annotations/face_landmarks_wflw_{ann}.json'
        ds.data_prefix = dict(img='images/')
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].num_workers = 0
        cfg[f'{split}_dataloader'].persistent_workers = False
    # The toy set has no WFLW subsets.
    cfg.test_evaluator.pop('subsets', None)
    cfg.val_evaluator.pop('subsets', None)
    return cfg


def fit(cfg, steps: int, seed: int = 0, lr: float = 3e-3, batch_size: int = 16,
        cache_batches: int = 0):
    """A few Adam steps on the config's train split (enough for non-trivial heatmaps)."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, MODELS

    init_default_scope('mmpose')
    torch.manual_seed(seed)
    np.random.seed(seed)  # mmpose's random transforms draw from numpy's global state
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    model.train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=lr))
    gen = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                         collate_fn=pseudo_collate, generator=gen, drop_last=True)
    # With cache_batches the pipeline (image decode, affine, targets) runs once and the
    # same batches are revisited: enough to get peaked heatmaps in seconds for tests.
    batches = []
    for step in range(steps):
        if cache_batches and len(batches) >= cache_batches:
            batch = batches[step % cache_batches]
        else:
            if step % max(len(loader), 1) == 0:
                it = iter(loader)
            batch = next(it)
            batches.append(batch)
        model.train_step(batch, optim)
    return model.eval()
