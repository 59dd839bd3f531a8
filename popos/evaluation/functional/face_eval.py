"""Numpy pieces of face-alignment evaluation: normalisers, NME, FR/AUC."""
from typing import Sequence, Tuple

import numpy as np
from mmpose.evaluation.metrics import NME

# Normalisation conventions per ``dataset_meta['dataset_name']``.
# ``inter_ocular``: the two outer eye corners, as mmpose's ``NME`` metric defines them
# (``NME.DEFAULT_KEYPOINT_INDICES``: wflw, 300w, coco_wholebody_face, cofw, lapa); the markups
# mmpose does not list (300W-LP / 300-VW share 300W's, AFLW, the 51-point one) are set here.
# ``inter_pupil``: two groups of points whose means are the eye centres (a single pupil point
# where the markup has one: WFLW 96/97, COFW 16/17, LaPa 104/105, AFLW eye centres 7/10; the
# mean of the six eye-contour points for the 68/51-point markups). mmpose has no inter-pupil NME.
_OUTER_EYE_CORNERS = {k: tuple(v) for k, v in NME.DEFAULT_KEYPOINT_INDICES.items()}
_EYES_68 = dict(
    inter_ocular=_OUTER_EYE_CORNERS['300w'],
    inter_pupil=(tuple(range(36, 42)), tuple(range(42, 48))))
DEFAULT_NORM_INDICES = {
    'wflw': dict(inter_ocular=_OUTER_EYE_CORNERS['wflw'], inter_pupil=((96, ), (97, ))),
    '300w': _EYES_68,
    '300wlp': _EYES_68,
    '300vw': _EYES_68,
    'coco_wholebody_face': dict(_EYES_68,
                                inter_ocular=_OUTER_EYE_CORNERS['coco_wholebody_face']),
    'cofw': dict(inter_ocular=_OUTER_EYE_CORNERS['cofw'], inter_pupil=((16, ), (17, ))),
    'aflw': dict(inter_ocular=(6, 11), inter_pupil=((7, ), (10, ))),
    'lapa': dict(inter_ocular=_OUTER_EYE_CORNERS['lapa'], inter_pupil=((104, ), (105, ))),
    # 68-point markup minus the jaw (0..16): old index i -> i - 17
    'face51': dict(
        inter_ocular=(19, 28),
        inter_pupil=(tuple(range(19, 25)), tuple(range(25, 31)))),
}
# The benchmark's own protocol; every other dataset uses ``inter_ocular``.
DEFAULT_NORM_MODE = {'aflw': 'bbox'}


def _check_kpts(name: str, arr: np.ndarray) -> None:
    if arr.ndim != 3 or arr.shape[-1] != 2:
        raise ValueError(f'{name} must have shape (N, K, 2), got {arr.shape}')


def eye_distance(gt: np.ndarray, group_a: Sequence[int],
                 group_b: Sequence[int]) -> np.ndarray:
    """Distance between the centroids of two keypoint groups.

    Args:
        gt (np.ndarray): ground-truth keypoints, shape (N, K, 2).
        group_a, group_b (Sequence[int]): keypoint indices of each eye; a
            one-element group is a single point (eye corner or pupil).

    Returns:
        np.ndarray: shape (N,).
    """
    _check_kpts('gt', gt)
    num_k = gt.shape[1]
    for idx in (*group_a, *group_b):
        if not -num_k <= idx < num_k:
            raise ValueError(
                f'normalisation keypoint index {idx} is out of range for '
                f'{num_k} keypoints')
    centre_a = gt[:, list(group_a)].mean(axis=1)
    centre_b = gt[:, list(group_b)].mean(axis=1)
    return np.linalg.norm(centre_a - centre_b, axis=-1)


def landmark_boxes(gt: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Tight boxes around the visible ground-truth landmarks.

    Args:
        gt (np.ndarray): shape (N, K, 2).
        mask (np.ndarray): visibility, shape (N, K), bool.

    Returns:
        np.ndarray: (x1, y1, x2, y2), shape (N, 4); zeros where no landmark
        is visible.
    """
    _check_kpts('gt', gt)
    big = np.where(mask[..., None], gt, np.inf)
    small = np.where(mask[..., None], gt, -np.inf)
    boxes = np.concatenate([big.min(axis=1), small.max(axis=1)], axis=1)
    boxes[~mask.any(axis=1)] = 0
    return boxes


def box_size(boxes: np.ndarray, mode: str) -> np.ndarray:
    """Size of (x1, y1, x2, y2) boxes, shape (N, 4) -> (N,).

    ``mode``: ``'max'`` = max(w, h) (mmpose's ``bbox_size``), ``'sqrt'`` =
    sqrt(w * h) (AFLW/ICPR style), ``'diagonal'`` = sqrt(w^2 + h^2).
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'boxes must have shape (N, 4), got {boxes.shape}')
    w = np.clip(boxes[:, 2] - boxes[:, 0], 0, None)
    h = np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    if mode == 'max':
        return np.maximum(w, h)
    if mode == 'sqrt':
        return np.sqrt(w * h)
    if mode == 'diagonal':
        return np.hypot(w, h)
    raise ValueError(f"box size mode must be 'max', 'sqrt' or 'diagonal', "
                     f'got {mode!r}')


def normalised_errors(pred: np.ndarray, gt: np.ndarray,
                      norm: np.ndarray) -> np.ndarray:
    """Point-to-point errors divided by a per-sample normaliser.

    Args:
        pred, gt (np.ndarray): shape (N, K, 2).
        norm (np.ndarray): shape (N,); must be > 0.

    Returns:
        np.ndarray: shape (N, K).

    Raises:
        ValueError: a normaliser is not > 0 (zero, negative or NaN), naming the samples.
    """
    _check_kpts('pred', pred)
    _check_kpts('gt', gt)
    if pred.shape != gt.shape:
        raise ValueError(f'pred {pred.shape} and gt {gt.shape} differ')
    norm = np.asarray(norm, dtype=np.float64).reshape(-1)
    if norm.shape[0] != gt.shape[0]:
        raise ValueError(f'norm has {norm.shape[0]} entries for '
                         f'{gt.shape[0]} samples')
    # A zero eye distance (coincident or unlabelled eyes) would give inf or NaN errors that
    # silently poison every mean taken over them.
    bad = np.flatnonzero(~(norm > 0))
    if bad.size:
        shown = ', '.join(f'{i} ({norm[i]:g})' for i in bad[:10])
        more = f' and {bad.size - 10} more' if bad.size > 10 else ''
        raise ValueError(f'normaliser must be > 0; sample(s) {shown}{more} are not '
                         '(drop those faces first)')
    dist = np.linalg.norm(
        pred.astype(np.float64) - gt.astype(np.float64), axis=-1)
    return dist / norm[:, None]


def sample_nme(errors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean normalised error over the visible landmarks of each sample.

    Args:
        errors (np.ndarray): shape (N, K).
        mask (np.ndarray): shape (N, K), bool; a row without a visible
            landmark yields NaN.

    Returns:
        np.ndarray: shape (N,).
    """
    count = mask.sum(axis=1)
    total = np.where(mask, errors, 0.).sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return total / count


def simpson(ys: np.ndarray, xs: np.ndarray) -> float:
    """``scipy.integrate.simpson(ys, x=xs)``, restricted to an even number of intervals.

    The face-alignment AUC is the composite Simpson 1/3 rule; on an odd number of intervals
    scipy adds an end correction instead, so such grids are refused rather than silently
    integrated differently.
    """
    from scipy.integrate import simpson as scipy_simpson
    n = len(xs) - 1
    if n < 2 or n % 2:
        raise ValueError(f'Simpson needs an even number of intervals, got {n}')
    return float(scipy_simpson(ys, x=xs))


def fr_auc(nmes: np.ndarray,
           thr: float = 0.1,
           step: float = 1e-4) -> Tuple[float, float]:
    """Failure rate and area under the CED curve up to ``thr``, as fractions.

    The protocol of STAR / ADNet (``FR_AUC.test``): the cumulative error
    distribution ``ced(x) = #{nme_i <= x} / N`` is sampled on the grid
    ``xs = linspace(0, thr, n + 1)`` with ``n = round(thr / step)`` (rounded
    up to even; STAR writes it ``np.arange(0, thr + step, step)``, 1001
    points for thr=0.1), then

    - ``FR@thr  = 1 - ced(thr)``, i.e. the share of samples with NME > thr
      (an NME equal to ``thr`` is not a failure);
    - ``AUC@thr = simpson(ced, xs) / thr``, composite Simpson 1/3 rule
      (``scipy.integrate.simps``), normalised by ``thr`` so it lies in [0, 1].

    Args:
        nmes (np.ndarray): per-sample NME as fractions, shape (N,).
        thr (float): the threshold alpha, e.g. 0.1 or 0.08.
        step (float): grid spacing.

    Returns:
        Tuple[float, float]: (FR, AUC), both in [0, 1].
    """
    nmes = np.asarray(nmes, dtype=np.float64).reshape(-1)
    if nmes.size == 0:
        raise ValueError('cannot compute FR/AUC of an empty set of NMEs')
    if not thr > 0 or not step > 0:
        raise ValueError(f'thr and step must be > 0, got {thr}, {step}')
    n = max(2, int(round(thr / step)))
    n += n % 2
    xs = np.linspace(0., thr, n + 1)
    ys = np.searchsorted(np.sort(nmes), xs, side='right') / nmes.size
    return float(1. - ys[-1]), simpson(ys, xs) / thr


def ced_curve(nmes: np.ndarray, thr: float,
              num: int = 1001) -> Tuple[np.ndarray, np.ndarray]:
    """The CED curve on ``linspace(0, thr, num)``: (xs, share of NME <= x).

    Refuses an empty set, as :func:`fr_auc` does: its curve has no meaningful value.
    """
    nmes = np.sort(np.asarray(nmes, dtype=np.float64).reshape(-1))
    if nmes.size == 0:
        raise ValueError('cannot compute the CED curve of an empty set of NMEs')
    if not thr > 0 or num < 2:
        raise ValueError(f'thr must be > 0 and num >= 2, got {thr}, {num}')
    xs = np.linspace(0., thr, num)
    return xs, np.searchsorted(nmes, xs, side='right') / nmes.size
