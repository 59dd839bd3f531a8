"""Video helpers: stable face identities by box overlap and One-Euro landmark smoothing."""
import math
from typing import Dict, List, Optional

import numpy as np


class OneEuroFilter:
    """The One-Euro filter (Casiez et al., CHI 2012), vectorised over any array shape.

    A low-pass filter whose cut-off rises with speed: still landmarks are smoothed hard
    (``min_cutoff`` Hz), moving ones follow with little lag (``beta`` x speed).

    Args:
        min_cutoff: cut-off frequency (Hz) at zero speed; lower = smoother when still.
        beta: speed coefficient; higher = less lag when moving.
        d_cutoff: cut-off (Hz) of the speed estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05,
                 d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError('One-Euro needs min_cutoff > 0, d_cutoff > 0, beta >= 0')
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x: Optional[np.ndarray] = None
        self.dx: Optional[np.ndarray] = None

    @staticmethod
    def _alpha(cutoff, dt: float):
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, dt: float) -> np.ndarray:
        """Filter one sample ``x`` taken ``dt`` seconds after the previous one."""
        x = np.asarray(x, np.float64)
        if self.x is None or self.x.shape != x.shape:
            self.x, self.dx = x.copy(), np.zeros_like(x)
            return x.copy()
        if dt <= 0:
            raise ValueError(f'dt must be positive, got {dt}')
        dx = (x - self.x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self.dx = a_d * dx + (1 - a_d) * self.dx
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx)
        a = self._alpha(cutoff, dt)
        self.x = a * x + (1 - a) * self.x
        return self.x.copy()


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of xyxy boxes (N, 4) x (M, 4)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area = lambda x: np.prod(x[:, 2:] - x[:, :2], axis=1)  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None] - inter, 1e-9)


class FaceTracker:
    """Greedy box-overlap tracker: each face keeps its id and its own One-Euro filter.

    Args:
        iou_thr: minimum IoU with a track's last box to continue it.
        max_missed: frames a track survives without a matching face.
        smoothing: One-Euro keyword arguments, or ``None`` for no smoothing.
    """

    def __init__(self, iou_thr: float = 0.3, max_missed: int = 5,
                 smoothing: Optional[Dict[str, float]] = None) -> None:
        if not 0 <= iou_thr <= 1 or max_missed < 0:
            raise ValueError(f'iou_thr must be in [0, 1] and max_missed >= 0, got {iou_thr}, '
                             f'{max_missed}')
        if smoothing is not None:
            OneEuroFilter(**smoothing)  # bad settings fail now, not at the first face
        self.iou_thr, self.max_missed, self.smoothing = iou_thr, max_missed, smoothing
        self.tracks: Dict[int, Dict] = {}
        self._next_id = 0

    def update(self, faces: List[Dict], dt: float) -> List[Dict]:
        """Assign ``track_id`` to each face dict and smooth its ``keypoints`` in place."""
        ids = list(self.tracks)
        iou = box_iou(np.array([f['bbox'] for f in faces]).reshape(-1, 4),
                      np.array([self.tracks[i]['bbox'] for i in ids]).reshape(-1, 4))
        assigned: Dict[int, int] = {}
        for flat in np.argsort(-iou, axis=None):
            fi, ti = np.unravel_index(flat, iou.shape)
            if iou[fi, ti] < self.iou_thr:
                break
            if fi in assigned or ids[ti] in assigned.values():
                continue
            assigned[int(fi)] = ids[ti]
        for fi, face in enumerate(faces):
            tid = assigned.get(fi)
            if tid is None:
                tid, self._next_id = self._next_id, self._next_id + 1
                self.tracks[tid] = dict(
                    filter=OneEuroFilter(**self.smoothing) if self.smoothing else None)
            track = self.tracks[tid]
            track.update(bbox=np.asarray(face['bbox']), missed=0)
            if track['filter'] is not None:
                face['keypoints'] = track['filter'](face['keypoints'], dt).astype(np.float32)
            face['track_id'] = tid
        for tid in [t for t in self.tracks if t not in assigned.values()
                    and not any(f.get('track_id') == t for f in faces)]:
            self.tracks[tid]['missed'] += 1
            if self.tracks[tid]['missed'] > self.max_missed:
                del self.tracks[tid]
        return faces
