"""Draw faces returned by :class:`~popos.apis.FaceLandmarker` on a BGR image."""
from typing import Dict, List, Sequence

import numpy as np


def draw_faces(img: np.ndarray, faces: List[Dict], color: Sequence[int] = (0, 0, 255),
               box_color: Sequence[int] = (0, 255, 0), show_ids: bool = True) -> np.ndarray:
    """A copy of ``img`` with each face's box (green), landmarks (red) and track id."""
    import cv2
    out = img.copy()
    radius = max(1, int(round(max(img.shape[:2]) / 320)))
    for face in faces:
        x0, y0, x1, y1 = (int(round(v)) for v in face['bbox'])
        cv2.rectangle(out, (x0, y0), (x1, y1), tuple(box_color), max(1, radius // 2))
        for x, y in np.asarray(face['keypoints']):
            cv2.circle(out, (int(round(x)), int(round(y))), radius, tuple(color), -1,
                       cv2.LINE_AA)
        if show_ids and 'track_id' in face:
            cv2.putText(out, f"#{face['track_id']}", (x0, max(0, y0 - 4)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, tuple(box_color), 1, cv2.LINE_AA)
    return out
