"""51-point face dataset (68-point markup without the jaw, ICME 2024)."""
import os.path as osp
from typing import Optional

import numpy as np

from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS
from ..metainfo import metainfo_path
from .face_box import face_box

NUM_KEYPOINTS = 51


@DATASETS.register_module()
class Face51Dataset(BaseCocoStyleDataset):
    """COCO-style 51-point face landmark dataset (ICME 2024 low-power set).

    Reads the json written by ``tools/dataset_converters/pts_to_coco.py`` (or
    any COCO-style file with 51 keypoints per annotation). The person box is
    taken like mmpose's ``Face300WDataset`` from ``center`` and ``scale``
    (x200 px) when present, else from ``bbox`` (x, y, w, h). The default
    metainfo is ``popos/metainfo/face51.py`` by absolute path, so configs need
    no metainfo entry and it resolves when popos is pip-installed.
    """

    METAINFO: dict = dict(from_file=metainfo_path('face51'))

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        """Parse one annotation into an mmpose data info (box (1, 4) xyxy,
        keypoints (1, 51, 2), keypoints_visible (1, 51))."""
        ann = raw_data_info['raw_ann_info']
        img = raw_data_info['raw_img_info']
        if 'keypoints' not in ann:
            return None
        kpts = np.asarray(ann['keypoints'], dtype=np.float32)
        if kpts.size != NUM_KEYPOINTS * 3:
            raise ValueError(
                f'{self.ann_file}: annotation {ann.get("id")} has '
                f'{kpts.size} keypoint values, expected {NUM_KEYPOINTS} x 3')
        kpts = kpts.reshape(1, NUM_KEYPOINTS, 3)

        # face json boxes use the 200-px convention, as mmpose's 300W
        bbox = face_box(ann, self.ann_file)[0]

        data_info = {
            'img_id': ann['image_id'],
            'img_path': osp.join(self.data_prefix['img'], img['file_name']),
            'bbox': bbox,
            'bbox_score': np.ones(1, dtype=np.float32),
            'num_keypoints': ann.get('num_keypoints', NUM_KEYPOINTS),
            'keypoints': kpts[..., :2],
            'keypoints_visible': np.minimum(1, kpts[..., 2]),
            'iscrowd': ann.get('iscrowd', 0),
            'id': ann['id'],
        }
        if 'subset' in ann:
            data_info['subset'] = ann['subset']
        # PackPoseInputs keeps raw_ann_info by default, so a ``subset`` field
        # reaches FaceLandmarkMetric(subset_key='subset') without new meta_keys
        data_info['raw_ann_info'] = ann
        return data_info
