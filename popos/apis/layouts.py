"""Landmark layout conversion: WFLW 98 -> iBUG 68 -> 51 (no jaw) -> 5 (eyes, nose, mouth)."""
from typing import Dict, Tuple

import numpy as np

# The usual WFLW -> 300-W mapping: every other contour point, the upper brow arcs, the nose,
# six of the eight eye points (no mid-lid points) and the 20 mouth points.
WFLW98_TO_68 = np.array(
    list(range(0, 33, 2)) + [33, 34, 35, 36, 37, 42, 43, 44, 45, 46]
    + list(range(51, 60)) + [60, 61, 63, 64, 65, 67, 68, 69, 71, 72, 73, 75]
    + list(range(76, 96)), dtype=np.int64)
# 68 -> 51: the iBUG markup without its 17 jaw points (the inner face of the 51-point layout)
IBUG68_TO_51 = np.arange(17, 68, dtype=np.int64)


def _five_point_weights() -> np.ndarray:
    """(5, 68) weights: the MTFL / face-alignment 5 points as averages of iBUG-68 points.

    Image-left eye centre = mean of the image-left eye contour (36-41), image-right eye centre
    = mean of 42-47, nose tip = 30, mouth corners = 48 (image left) and 54.
    """
    w = np.zeros((5, 68), np.float64)
    w[0, 36:42] = 1 / 6
    w[1, 42:48] = 1 / 6
    w[2, 30] = w[3, 48] = w[4, 54] = 1.0
    return w


def _selection(indices: np.ndarray, num_keypoints: int) -> np.ndarray:
    w = np.zeros((len(indices), num_keypoints), np.float64)
    w[np.arange(len(indices)), indices] = 1.0
    return w


IBUG68_TO_5 = _five_point_weights()

# (from K, to layout) -> (K', K) weight matrix; a row is a convex combination of source points
CONVERSIONS: Dict[Tuple[int, str], np.ndarray] = {
    (98, '68'): _selection(WFLW98_TO_68, 98),
    (98, '51'): _selection(WFLW98_TO_68[IBUG68_TO_51], 98),
    (98, '5'): IBUG68_TO_5 @ _selection(WFLW98_TO_68, 98),
    (68, '51'): _selection(IBUG68_TO_51, 68),
    (68, '5'): IBUG68_TO_5,
}
LAYOUTS = ('68', '51', '5')


def layout_matrix(num_keypoints: int, layout: str) -> np.ndarray:
    """(K', K) weights that turn a ``num_keypoints`` markup into ``layout`` ('68', '51', '5')."""
    layout = str(layout)
    if layout == str(num_keypoints):
        return np.eye(num_keypoints)
    try:
        return CONVERSIONS[(num_keypoints, layout)]
    except KeyError:
        known = ', '.join(f'{k}->{v}' for k, v in CONVERSIONS)
        raise ValueError(f'no conversion from {num_keypoints} landmarks to layout {layout!r} '
                         f'(known: {known})') from None


def layout_indices(num_keypoints: int, layout: str) -> np.ndarray:
    """Indices that select ``layout`` from a ``num_keypoints`` markup ('5' averages: no indices)."""
    weights = layout_matrix(num_keypoints, layout)
    if not ((weights == 1).sum(1) == 1).all():
        raise ValueError(f'layout {layout!r} averages landmarks: use convert_layout')
    return weights.argmax(1).astype(np.int64)


def convert_layout(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """(..., K, D) landmarks in one markup -> (..., K', D) in ``layout``."""
    keypoints = np.asarray(keypoints)
    weights = layout_matrix(keypoints.shape[-2], layout)
    return np.einsum('jk,...kd->...jd', weights, keypoints).astype(keypoints.dtype)


def convert_scores(scores: np.ndarray, layout: str) -> np.ndarray:
    """(..., K) per-landmark scores -> (..., K') in ``layout`` (a merged point averages)."""
    scores = np.asarray(scores)
    return (scores @ layout_matrix(scores.shape[-1], layout).T).astype(scores.dtype)


def five_point_frame(points5: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(N, 5, 2) five points -> centroid (N, 2) and size (N,): RMS distance to the centroid.

    The RMS radius of all five points stays stable under yaw, where the eye distance alone
    shrinks towards zero.
    """
    points5 = np.asarray(points5, np.float64).reshape(-1, 5, 2)
    centre = points5.mean(axis=1)
    size = np.sqrt(((points5 - centre[:, None]) ** 2).sum(-1).mean(-1))
    return centre, size


def fit_five_point_box(points5: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Median (dx, dy, w, h) of ``boxes`` (N, 4) xyxy in the five points' frame (units of size)."""
    centre, size = five_point_frame(points5)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    rel = np.stack([((boxes[:, 0] + boxes[:, 2]) / 2 - centre[:, 0]) / size,
                    ((boxes[:, 1] + boxes[:, 3]) / 2 - centre[:, 1]) / size,
                    (boxes[:, 2] - boxes[:, 0]) / size, (boxes[:, 3] - boxes[:, 1]) / size], 1)
    return np.median(rel, axis=0)


def five_point_box(points5: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """(N, 5, 2) five points -> (N, 4) xyxy landmark boxes from a :func:`fit_five_point_box` fit."""
    centre, size = five_point_frame(points5)
    dx, dy, w, h = np.asarray(calibration, np.float64)
    cx, cy = centre[:, 0] + dx * size, centre[:, 1] + dy * size
    return np.stack([cx - w * size / 2, cy - h * size / 2,
                     cx + w * size / 2, cy + h * size / 2], 1).astype(np.float32)
