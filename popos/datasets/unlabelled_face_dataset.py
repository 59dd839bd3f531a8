"""Face boxes without landmarks, for distillation on teacher-labelled faces."""
import os.path as osp
from typing import Dict, Optional

import numpy as np

from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from .face_box import face_box


@DATASETS.register_module()
class UnlabelledFaceDataset(BaseCocoStyleDataset):
    """COCO-style face boxes whose landmarks are unknown (all keypoints invisible).

    Each annotation gives a face box — ``center``/``scale`` (x ``pixel_std`` px, the
    WFLW/300W convention) or ``bbox`` (x, y, w, h), e.g. from a face detector; an image
    without any annotation is used whole. Keypoints in the file are **never read**: every
    sample carries ``keypoints`` (1, K, 2) of zeros and ``keypoints_visible`` (1, K) of
    zeros, so the ground-truth losses ignore it and only a distiller with
    ``distill_keypoints='all'`` or ``'unlabelled'`` learns from it. ``metainfo`` (the
    landmark layout, for flipping and K) is required, e.g.
    ``dict(from_file='configs/_base_/datasets/wflw.py')``.
    Write such a file from a folder of images with
    ``tools/dataset_converters/images_to_unlabelled_coco.py``.
    """

    def __init__(self, *args, pixel_std: float = 200., **kwargs) -> None:
        self.pixel_std = pixel_std
        super().__init__(*args, **kwargs)

    def _load_annotations(self):
        if 'num_keypoints' not in self.metainfo:
            raise ValueError('UnlabelledFaceDataset needs metainfo with the landmark layout, '
                             "e.g. metainfo=dict(from_file='configs/_base_/datasets/wflw.py')")
        instances, images = super()._load_annotations()
        annotated = {inst['img_id'] for inst in instances}
        for img in images:  # a face crop without a box: the whole image is the face
            if img['img_id'] not in annotated:
                if 'width' not in img or 'height' not in img:
                    raise ValueError(f'{self.ann_file}: image {img["file_name"]} has no box '
                                     'and no width/height to use the whole image')
                w, h = float(img['width']), float(img['height'])
                instances.append(self._info(
                    img['img_id'], img['img_path'], -img['img_id'],
                    np.array([[0., 0., w, h]], dtype=np.float32)))
        return instances, images

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        """One face box -> data info with bbox (1, 4) xyxy and invisible keypoints."""
        ann = raw_data_info['raw_ann_info']
        img = raw_data_info['raw_img_info']
        img_path = osp.join(self.data_prefix['img'], img['file_name'])
        bbox, center, scale = face_box(ann, self.ann_file, self.pixel_std)
        if not np.all(np.isfinite(bbox)) or np.any(bbox[:, 2:] <= bbox[:, :2]):
            raise ValueError(f'{self.ann_file}: annotation {ann.get("id")} has an empty or '
                             f'non-finite face box {bbox.tolist()}')
        info = self._info(ann['image_id'], img_path, ann['id'], bbox)
        if center is not None:
            info.update(bbox_center=center, bbox_scale=scale)
        return info

    def _info(self, img_id: int, img_path: str, ann_id: int, bbox: np.ndarray) -> Dict:
        k = self.metainfo['num_keypoints']
        return {
            'img_id': img_id,
            'img_path': img_path,
            'bbox': bbox,
            'bbox_score': np.ones(1, dtype=np.float32),
            'num_keypoints': 0,
            'keypoints': np.zeros((1, k, 2), dtype=np.float32),
            'keypoints_visible': np.zeros((1, k), dtype=np.float32),
            'iscrowd': 0,
            'id': ann_id,
        }

    @staticmethod
    def _is_valid_instance(data_info: Dict) -> bool:
        # mmpose drops instances without keypoints; here that is every instance.
        return True
