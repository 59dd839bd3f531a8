"""COCO-style json in each dataset's official layout and conventions.

The conventions were read off the official files (mmpose's samples):

- WFLW / 300W: ``center`` = centre of the tight landmark box (rounded to
  0.5 px), ``scale`` = its longer side / 200 rounded *up* to 0.005, ``bbox`` =
  the landmark box padded x1.2 about its centre, ``area`` = bbox area, every
  keypoint flag 1 (also for occluded points).
- AFLW: as WFLW, but ``center``/``scale``/``box_size`` come from the square
  face box (the normaliser of AFLW's NME), flags 1 (0 = not visible).
- COFW: ``bbox`` = integer face box, no centre/scale, flags 2 visible /
  1 occluded, floats.
- LaPa: ``bbox`` = the tight landmark box, integer ``area``, flags 2.
- COCO-WholeBody: person annotations with ``face_kpts`` / ``face_box`` /
  ``face_valid`` and empty hands/feet.
"""
import math
from typing import Dict, List, Sequence

import numpy as np

from .layouts import Layout

FACE_CATEGORY = [dict(supercategory='person', id=1, name='face',
                      keypoints=[], skeleton=[])]
COCO_BODY = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
             'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
             'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
             'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
                 [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
                 [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]


def _r(x: float, nd: int = 4) -> float:
    return round(float(x), nd)


def _kpt_box(kpts: np.ndarray) -> np.ndarray:
    lo, hi = kpts.min(0), kpts.max(0)
    return np.concatenate([lo, hi - lo])


def _flat(kpts: np.ndarray, vis: np.ndarray, values) -> List:
    out = []
    for (x, y), v in zip(kpts, vis):
        out += [_r(x), _r(y), values[0] if v else values[1]]
    return out


def face_annotation(rec: Dict, layout: Layout) -> Dict:
    """One annotation dict for the single-face layouts."""
    kpts = np.asarray(rec['keypoints'], dtype=np.float64)
    vis = np.asarray(rec['visible'], dtype=bool)
    x, y, w, h = _kpt_box(kpts)
    cx, cy = x + w / 2, y + h / 2
    pad = [cx - 0.6 * w, cy - 0.6 * h, 1.2 * w, 1.2 * h]
    flat = _flat(kpts, vis, layout.vis_values)
    n_lab = sum(1 for v in flat[2::3] if v > 0)
    ann = dict(image_id=rec['id'], id=rec['id'], keypoints=flat,
               num_keypoints=n_lab)
    name = layout.name
    if name in ('wflw', '300w', 'ivslab51', 'aflw'):
        ann['bbox'] = [_r(v) for v in pad]
        ann.update(iscrowd=0, area=_r(pad[2] * pad[3]), category_id=1)
        if name == 'aflw':
            fx, fy, fw, fh = rec['face_box']
            side = max(fw, fh)
            ann['center'] = [round(2 * (fx + fw / 2)) / 2,
                             round(2 * (fy + fh / 2)) / 2]
            ann['scale'] = _r(side / 200, 3)
            ann['box_size'] = _r(side, 2)
        else:
            ann['center'] = [round(2 * cx) / 2, round(2 * cy) / 2]
            ann['scale'] = _r(math.ceil(max(w, h) / 200 / 0.005 - 1e-9) *
                              0.005, 3)
    elif name == 'cofw':
        fx, fy, fw, fh = rec['face_box']
        # COFW's boxes are integer face boxes a little larger than the
        # landmark box (no forehead)
        bx, by = math.floor(x - 0.08 * w), math.floor(y - 0.08 * h)
        bw, bh = math.ceil(1.16 * w), math.ceil(1.12 * h)
        ann = dict(keypoints=flat, image_id=rec['id'], id=rec['id'],
                   num_keypoints=layout.num_keypoints,
                   bbox=[float(bx), float(by), float(bw), float(bh)],
                   iscrowd=0, area=float(bw * bh), category_id=1)
    elif name == 'lapa':
        ann = dict(keypoints=flat, image_id=rec['id'], id=rec['id'],
                   num_keypoints=layout.num_keypoints,
                   bbox=[_r(x), _r(y), _r(w), _r(h)], iscrowd=0,
                   area=int(round(w * h)), category_id=1)
    else:
        raise KeyError(name)
    return ann


def face_json(records: Sequence[Dict], layout: Layout) -> Dict:
    """The whole annotation file of one split (single-face layouts)."""
    out = dict(categories=FACE_CATEGORY,
               images=[dict(id=r['id'], file_name=r['file_name'],
                            height=r['height'], width=r['width'])
                       for r in records],
               annotations=[face_annotation(r, layout) for r in records])
    if layout.name == 'cofw':
        out = dict(info=dict(description='popos synthetic COFW-layout faces',
                             version='1.0', year='2026',
                             date_created='synthetic'), **out)
    return out


def _coco_ann(rec: Dict, layout: Layout) -> Dict:
    kpts = np.asarray(rec['keypoints'], dtype=np.float64)
    vis = np.asarray(rec['visible'], dtype=bool)
    fbox = [_r(v, 2) for v in _kpt_box(kpts)]
    body = [0] * 51
    n_body = 0
    # COCO body order: nose, left_eye (the subject's left = image right)...
    for k, name in enumerate(['nose_bridge', 'pupil_r', 'pupil_l', 'ear_r',
                              'ear_l']):
        x, y, v = rec['extra'][name]
        if -0.5 < x < rec['width'] - 0.5 and -0.5 < y < rec['height'] - 0.5:
            body[3 * k:3 * k + 3] = [int(round(x)), int(round(y)),
                                     2 if v > 0 else 1]
            n_body += 1
    # the person box: face plus neck and shoulders, clipped to the image
    x0, y0 = fbox[0] - 0.6 * fbox[2], fbox[1] - 0.5 * fbox[3]
    x1, y1 = fbox[0] + 1.6 * fbox[2], fbox[1] + 2.8 * fbox[3]
    x0, y0 = max(0., x0), max(0., y0)
    x1, y1 = min(rec['width'] - 1., x1), min(rec['height'] - 1., y1)
    pbox = [_r(x0, 2), _r(y0, 2), _r(x1 - x0, 2), _r(y1 - y0, 2)]
    seg = [[pbox[0], pbox[1], pbox[0] + pbox[2], pbox[1],
            pbox[0] + pbox[2], pbox[1] + pbox[3], pbox[0], pbox[1] + pbox[3]]]
    zero = [0.0, 0.0, 0.0, 0.0]
    return dict(
        segmentation=seg, num_keypoints=n_body, area=_r(pbox[2] * pbox[3]),
        iscrowd=0, keypoints=body, image_id=rec['id'], bbox=pbox,
        category_id=1, id=rec['id'], face_box=fbox, lefthand_box=zero,
        righthand_box=list(zero), lefthand_kpts=[0.0] * 63,
        righthand_kpts=[0.0] * 63,
        face_kpts=_flat(kpts, vis, layout.vis_values), face_valid=True,
        lefthand_valid=False, righthand_valid=False, foot_valid=False,
        foot_kpts=[0.0] * 18)


def coco_wholebody_json(records: Sequence[Dict], layout: Layout) -> Dict:
    """A COCO-WholeBody v1.0 file holding only the synthetic faces."""
    return dict(
        info=dict(description='popos synthetic faces, COCO-WholeBody layout',
                  url='', version='1.0', year='2026',
                  date_created='synthetic'),
        licenses=[dict(url='', id=1, name='synthetic')],
        categories=[dict(supercategory='person', id=1, name='person',
                         keypoints=COCO_BODY, skeleton=COCO_SKELETON)],
        images=[dict(license=1, file_name=r['file_name'], coco_url='',
                     height=r['height'], width=r['width'],
                     date_captured='', flickr_url='', id=r['id'])
                for r in records],
        annotations=[_coco_ann(r, layout) for r in records])


def subset(doc: Dict, keep_ids: set) -> Dict:
    """The same file restricted to some image ids (the test subsets)."""
    out = dict(doc)
    out['images'] = [i for i in doc['images'] if i['id'] in keep_ids]
    out['annotations'] = [a for a in doc['annotations']
                          if a['image_id'] in keep_ids]
    return out
