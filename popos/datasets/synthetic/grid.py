"""A contact sheet of synthetic faces with their landmarks drawn."""
from typing import Sequence

import cv2
import numpy as np

from .layouts import get_layout
from .sample import synthesize


def draw_landmarks(img: np.ndarray, kpts: np.ndarray,
                   visible: Sequence[bool], radius: int = 1) -> np.ndarray:
    """Green dots for visible points, red for occluded ones."""
    out = img.copy()
    for (x, y), v in zip(kpts, visible):
        cv2.circle(out, (int(round(x * 16)), int(round(y * 16))), radius * 16,
                   (60, 230, 60) if v else (40, 40, 240), -1, cv2.LINE_AA, 4)
    return out


def make_grid(layout: str = 'wflw', num: int = 16, image_size: int = 128,
              seed: int = 0, cols: int = 4) -> np.ndarray:
    """Render ``num`` faces of a layout (the train split's first faces of
    ``generate_dataset`` with the same seed) into one BGR image."""
    lay = get_layout(layout)
    tiles = []
    for i in range(num):
        rng = np.random.default_rng([seed, 0, i])
        s = synthesize(rng, lay, image_size)
        tiles.append(draw_landmarks(s.image, s.keypoints, s.visible))
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[r:r + cols], 1)
            for r in range(0, len(tiles), cols)]
    return np.concatenate(rows, 0)
