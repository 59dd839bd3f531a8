"""Subset membership for per-subset evaluation (WFLW pose/blur/..., 300W)."""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np


def _norm_path(path: str) -> str:
    return osp.normpath(str(path)).replace('\\', '/').lstrip('./')


class SubsetIndex:
    """Members of one subset, read from a COCO-style annotation file.

    A face belongs to the subset when its image path ends with one of the
    subset's ``file_name`` entries (``match_by='file_name'``, robust to a
    different ``data_root``/``data_prefix`` and to ids renumbered by another
    conversion) and, where that image holds several faces (WFLW), its ground
    truth keypoints equal the subset annotation's within ``tol`` pixels
    (mean absolute difference). ``match_by='id'`` uses annotation ids.

    Args:
        ann_file (str): COCO-style json with ``images`` and ``annotations``.
        match_by (str): ``'file_name'`` or ``'id'``.
        tol (float): keypoint tolerance in pixels.
    """

    def __init__(self,
                 ann_file: str,
                 match_by: str = 'file_name',
                 tol: float = 0.5) -> None:
        if match_by not in ('file_name', 'id'):
            raise ValueError(
                f"match_by must be 'file_name' or 'id', got {match_by!r}")
        if not osp.isfile(ann_file):
            raise FileNotFoundError(
                f'subset annotation file {ann_file} not found: prepare it '
                '(see docs/datasets.md) or drop it from `subsets`')
        with open(ann_file, encoding='utf-8') as f:
            coco = json.load(f)
        if not isinstance(coco, dict) or 'annotations' not in coco:
            raise ValueError(
                f'{ann_file} is not a COCO-style file (no "annotations")')
        self.ann_file = ann_file
        self.match_by = match_by
        self.tol = tol
        self.ids = {ann['id'] for ann in coco['annotations'] if 'id' in ann}
        id2name = {
            img['id']: _norm_path(img['file_name'])
            for img in coco.get('images', [])
        }
        # basename -> [(full relative name, keypoints (K, 2) or None)]
        self.by_base: Dict[str, List[tuple]] = defaultdict(list)
        for ann in coco['annotations']:
            name = id2name.get(ann.get('image_id'))
            if name is None:
                continue
            kpts = ann.get('keypoints')
            if kpts is not None:
                kpts = np.asarray(kpts, dtype=np.float64).reshape(-1, 3)[:, :2]
            self.by_base[osp.basename(name)].append((name, kpts))
        if match_by == 'file_name' and not self.by_base:
            raise ValueError(f'{ann_file} has no annotation linked to an '
                             'image with a file_name')

    def __len__(self) -> int:
        return len(self.ids)

    def contains(self, img_path: Optional[str], ann_id=None,
                 gt_kpts: Optional[np.ndarray] = None) -> bool:
        """Whether the face (image path, annotation id, gt (K, 2)) is in."""
        if self.match_by == 'id':
            return ann_id in self.ids
        if img_path is None:
            return False
        path = _norm_path(img_path)
        cands = [(name, kpts)
                 for name, kpts in self.by_base.get(osp.basename(path), [])
                 if path == name or path.endswith('/' + name)]
        for _, kpts in cands:
            if kpts is None or gt_kpts is None:
                return True
            if kpts.shape == gt_kpts.shape and np.abs(
                    kpts - gt_kpts).mean() <= self.tol:
                return True
        return False


def subset_names_from_sample(sample: dict, key: str) -> Sequence[str]:
    """Subset names stored under ``key`` in a data sample's metainfo.

    Looks in the sample itself, then in its ``raw_ann_info``; the value may be
    a string or a list of strings (a face can be in several WFLW subsets).
    """
    value = sample.get(key)
    if value is None and isinstance(sample.get('raw_ann_info'), dict):
        value = sample['raw_ann_info'].get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value, )
    if isinstance(value, (list, tuple, set)) and all(
            isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f'subset key {key!r} must hold a str or a list of str, '
                     f'got {value!r}')
