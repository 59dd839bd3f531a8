"""Landmark layout conversion: WFLW 98 -> iBUG 68, iBUG 68 -> 51 (no jaw)."""
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

CONVERSIONS: Dict[Tuple[int, str], np.ndarray] = {
    (98, '68'): WFLW98_TO_68,
    (98, '51'): WFLW98_TO_68[IBUG68_TO_51],
    (68, '51'): IBUG68_TO_51,
}


def layout_indices(num_keypoints: int, layout: str) -> np.ndarray:
    """Indices that turn a ``num_keypoints`` markup into ``layout`` ('98', '68' or '51')."""
    layout = str(layout)
    if layout == str(num_keypoints):
        return np.arange(num_keypoints, dtype=np.int64)
    try:
        return CONVERSIONS[(num_keypoints, layout)]
    except KeyError:
        known = ', '.join(f'{k}->{v}' for k, v in CONVERSIONS)
        raise ValueError(f'no conversion from {num_keypoints} landmarks to layout {layout!r} '
                         f'(known: {known})') from None


def convert_layout(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """(..., K, D) landmarks in one markup -> (..., K', D) in ``layout``."""
    keypoints = np.asarray(keypoints)
    return keypoints[..., layout_indices(keypoints.shape[-2], layout), :]
