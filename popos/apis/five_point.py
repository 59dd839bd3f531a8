"""Faces annotated with five points (MTFL / AFLW): load them, box them, score a 68-point model.

The five points are image-left eye centre, image-right eye centre, nose tip, image-left and
image-right mouth corner (MTFL order). A 68-point prediction is reduced to them with
:data:`popos.apis.layouts.IBUG68_TO_5` (eye centre = mean of the eye contour).
"""
import json
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

from ..datasets.face_box import face_box
from ..evaluation.functional.face_eval import fr_auc, normalised_errors
from .layouts import convert_layout, fit_five_point_box, five_point_box


def load_coco_faces(ann_file: str, img_root: str, num_keypoints: int) -> List[Dict]:
    """COCO keypoint json -> [{'id', 'file', 'keypoints' (K, 2), 'ann', 'image'}], one per face.

    Raises a ValueError naming the file for a face with another number of points.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    images = {im['id']: im for im in coco['images']}
    faces = []
    for ann in coco['annotations']:
        kpts = np.asarray(ann.get('keypoints', []), np.float32)
        if kpts.size != num_keypoints * 3:
            raise ValueError(f'{ann_file}: annotation {ann.get("id")} has {kpts.size // 3} '
                             f'points, expected {num_keypoints}')
        image = images[ann['image_id']]
        faces.append(dict(id=ann['id'], file=osp.join(img_root, image['file_name']),
                          keypoints=kpts.reshape(-1, 3)[:, :2], ann=ann, image=image))
    return faces


def five_point_calibration(ref_ann_file: str) -> np.ndarray:
    """Fit (dx, dy, w, h) that turns five points into the box a 68-point annotation implies.

    The reference is a 68-point COCO json (300-W): its five points come from the 68 and its
    boxes from ``center``/``scale`` as the dataset parses them, so a box made from MTFL's
    five points frames the face as the model saw faces in training.
    """
    faces = load_coco_faces(ref_ann_file, '', 68)
    five = convert_layout(np.stack([f['keypoints'] for f in faces]), '5')
    boxes = np.concatenate([face_box(f['ann'], ref_ann_file)[0] for f in faces])
    return fit_five_point_box(five, boxes)


def predict_faces(landmarker, faces: List[Dict], calibration: np.ndarray,
                  progress: bool = True) -> np.ndarray:
    """Run a :class:`FaceLandmarker` on each face's five-point box -> (N, K, 2) landmarks."""
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(faces)) if progress else None
    out = []
    for face in faces:
        box = five_point_box(face['keypoints'][None], calibration)
        out.append(landmarker(face['file'], bboxes=box)[0]['keypoints'])
        if bar is not None:
            bar.update()
    return np.stack(out)


def five_point_nme(pred68: np.ndarray, gt5: np.ndarray) -> np.ndarray:
    """(N, 68, 2) predictions vs (N, 5, 2) labels -> per-face NME (fraction of eye distance)."""
    gt5 = np.asarray(gt5, np.float64)
    iod = np.linalg.norm(gt5[:, 0] - gt5[:, 1], axis=-1)
    if (iod <= 0).any():
        raise ValueError('a five-point label has coincident eye centres')
    return normalised_errors(convert_layout(pred68, '5').astype(np.float64), gt5, iod).mean(1)


def summarise(nmes: np.ndarray, thr: float = 0.1) -> Tuple[float, float, float]:
    """Per-face NMEs (fractions) -> (NME %, FR@thr %, AUC@thr %)."""
    fr, auc = fr_auc(nmes, thr)
    return float(np.mean(nmes) * 100), fr * 100, auc * 100
