"""Face box of a COCO-style face annotation: ``center``/``scale`` (200-px convention) or
``bbox``."""
from typing import Optional, Tuple

import numpy as np
from mmpose.structures.bbox import bbox_cs2xyxy, bbox_xywh2xyxy


def face_box(ann: dict, ann_file: str, pixel_std: float = 200.
             ) -> Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]:
    """Annotation -> (bbox (1, 4) xyxy, center (1, 2) or None, scale (1, 2) px or None).

    ``center``/``scale`` win when both are present (mmpose's 300W/WFLW convention, scale x
    ``pixel_std`` px); else ``bbox`` (x, y, w, h); neither is an error naming the file.
    """
    if 'center' in ann and 'scale' in ann:
        center = np.array([ann['center']], dtype=np.float32).reshape(1, 2)
        scale = np.full((1, 2), float(ann['scale']) * pixel_std, dtype=np.float32)
        return bbox_cs2xyxy(center, scale), center, scale
    if 'bbox' in ann:
        xywh = np.asarray(ann['bbox'], dtype=np.float32)
        if xywh.size != 4:
            raise ValueError(f'{ann_file}: annotation {ann.get("id")} has a bbox of '
                             f'{xywh.size} values, expected x, y, w, h')
        return bbox_xywh2xyxy(xywh.reshape(1, 4)), None, None
    raise ValueError(f'{ann_file}: annotation {ann.get("id")} has neither '
                     '"center"/"scale" nor "bbox"')
