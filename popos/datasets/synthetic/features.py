"""Eyes, brows, nose details and mouth as depth-keyed draw calls."""
from typing import Callable, List, Tuple

import cv2
import numpy as np

from .appearance import Look
from .camera import Camera
from .face_model import FaceModel
from .render import SHIFT, Canvas, _hairline, _shade, fx

BIAS = 0.06  # features sit on the skin: draw them after coplanar quads
Prim = Tuple[float, Callable[[], None]]


def _frame(model: FaceModel, cam: Camera, look: Look, name: str,
           t: float = 0.5) -> Tuple[float, float, float]:
    """(facing, depth, shade) of a curve at fraction ``t``."""
    uv = model.point_uv(name, t)
    base = model.surface(uv[:1, 0], uv[:1, 1])
    n = model.surface_normal(uv[:1, 0], uv[:1, 1])
    facing = float(cam.facing(base, n)[0])
    shade, spec = _shade(cam.to_cam(n), look)
    return facing, float(cam.to_cam(base)[0, 2]), float(shade[0])


def _roi_paint(img: np.ndarray, clip: np.ndarray,
               paint: Callable[[np.ndarray, np.ndarray], None],
               alpha: float = 1.) -> None:
    """Call ``paint(tmp, offset)`` on a copy of the polygon's bounding box and
    copy back only inside the polygon ``clip`` (float pixel coords)."""
    h, w = img.shape[:2]
    x0, y0 = np.floor(clip.min(0)).astype(int) - 2
    x1, y1 = np.ceil(clip.max(0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], np.uint8)
    off = np.array([x0, y0], dtype=np.float64)
    cv2.fillPoly(mask, [fx(clip - off)], 255, cv2.LINE_AA, SHIFT)
    tmp = roi.copy()
    paint(tmp, off)
    a = (mask.astype(np.float32) / 255. * alpha)[..., None]
    roi[:] = roi * (1 - a) + tmp * a


def _eye(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
         side: str) -> List[Prim]:
    facing, depth, shade = _frame(model, cam, look, f'eye_{side}_upper')
    if facing < 0.05:
        return []
    up3 = model.curves[f'eye_{side}_upper']
    lo3 = model.curves[f'eye_{side}_lower']
    up, lo = cam.project(up3), cam.project(lo3)
    pupil = model.points[f'pupil_{side}']
    r = 0.42 * model.p.eye_w
    t = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    ring = np.stack([np.cos(t), np.sin(t), 0 * t], -1)
    iris = cam.project(pupil + r * ring)
    pup = cam.project(pupil + 0.42 * r * ring)
    lid_w = max(1, int(round(cam.scale * 0.018)))
    opening = float(np.max(np.linalg.norm(up - lo, axis=1)))
    sh = min(1.15, 0.35 + shade)

    def draw():
        img = cv.img
        poly = np.concatenate([up, lo[::-1]])
        if look.eyeshadow is not None:
            lift = cam.project(up3 + [0, -0.075, 0.015])
            shadow = np.concatenate([up, lift[::-1]])
            _roi_paint(img, shadow, lambda tmp, off: tmp.__setitem__(
                slice(None), np.array(look.eyeshadow)), 0.45)
        if opening > 1.0:
            def paint(tmp, off):
                tmp[:] = np.array([212., 220., 226.]) * sh
                cv2.fillPoly(tmp, [fx(iris - off)],
                             tuple(np.array(look.iris) * sh), cv2.LINE_AA,
                             SHIFT)
                cv2.fillPoly(tmp, [fx(pup - off)], (15., 15., 18.),
                             cv2.LINE_AA, SHIFT)
            _roi_paint(img, poly, paint)
        dark = tuple(np.array(look.brows) * 0.5)
        cv2.polylines(img, [fx(up)], False, dark, lid_w, cv2.LINE_AA, SHIFT)
        cv2.polylines(img, [fx(lo)], False,
                      tuple(np.array(look.skin) * 0.55 * sh), 1, cv2.LINE_AA,
                      SHIFT)

    return [(depth + BIAS, draw)]


def _brow(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
          side: str) -> List[Prim]:
    facing, depth, shade = _frame(model, cam, look, f'brow_{side}_upper')
    uv = model.point_uv(f'brow_{side}_upper', 0.5)
    if facing < 0.05 or uv[0, 1] < _hairline(uv[:, 0], look)[0]:
        return []
    up = cam.project(model.curves[f'brow_{side}_upper'])
    lo = cam.project(model.curves[f'brow_{side}_lower'])
    col = tuple(np.array(look.brows) * (0.5 + 0.5 * shade))

    def draw():
        cv2.fillPoly(cv.img, [fx(np.concatenate([up, lo[::-1]]))], col,
                     cv2.LINE_AA, SHIFT)

    return [(depth + BIAS, draw)]


def _nose(model: FaceModel, cam: Camera, look: Look,
          cv: Canvas) -> List[Prim]:
    prims = []
    for t0 in (0.28, 0.72):
        facing, depth, shade = _frame(model, cam, look, 'nose_base', t0)
        if facing < 0.1:
            continue
        c = model.at('nose_base', t0)[0] + [0, -0.018, 0.0]
        k = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        ring = c + np.stack([0.034 * np.cos(k), 0.014 * np.sin(k),
                             0.008 * np.sin(k)], -1) * (model.p.nose_w / .11)
        poly = cam.project(ring)
        seg = cam.project(model.at('nose_outline',
                                   np.linspace(t0 - .17, t0 - .03, 6) if
                                   t0 < .5 else np.linspace(t0 + .03, t0 + .17,
                                                            6)))
        col = tuple(np.array(look.skin) * 0.25)
        crease = tuple(np.array(look.skin) * 0.55 * (0.4 + shade))

        def draw(poly=poly, seg=seg, col=col, crease=crease):
            cv2.fillPoly(cv.img, [fx(poly)], col, cv2.LINE_AA, SHIFT)
            cv2.polylines(cv.img, [fx(seg)], False, crease, 1, cv2.LINE_AA,
                          SHIFT)

        prims.append((depth + BIAS + 0.1, draw))
    return prims


def _mouth(model: FaceModel, cam: Camera, look: Look,
           cv: Canvas) -> List[Prim]:
    facing, depth, shade = _frame(model, cam, look, 'lip_outer_upper')
    if facing < 0.05:
        return []
    ou = cam.project(model.curves['lip_outer_upper'])
    ol = cam.project(model.curves['lip_outer_lower'])
    iu = cam.project(model.curves['lip_inner_upper'])
    il = cam.project(model.curves['lip_inner_lower'])
    teeth = cam.project(model.curves['lip_inner_upper'] +
                        [0, min(0.035, model.p.mouth_open * 0.45), 0])
    gap = float(np.linalg.norm(iu[len(iu) // 2] - il[len(il) // 2]))
    lips = tuple(np.array(look.lips) * (0.4 + 0.7 * shade))

    def draw():
        img = cv.img
        cv2.fillPoly(img, [fx(np.concatenate([ou, ol]))], lips, cv2.LINE_AA,
                     SHIFT)
        if gap > 1.2:
            def paint(tmp, off):
                tmp[:] = (35., 25., 60.)
                cv2.fillPoly(tmp, [fx(np.concatenate([iu, teeth[::-1]]) -
                                      off)], (200., 210., 218.),
                             cv2.LINE_AA, SHIFT)
            _roi_paint(img, np.concatenate([iu, il]), paint)
        else:
            cv2.polylines(img, [fx(iu)], False,
                          tuple(np.array(look.lips) * 0.35), 1, cv2.LINE_AA,
                          SHIFT)

    return [(depth + BIAS, draw)]


def feature_prims(model: FaceModel, cam: Camera, look: Look,
                  cv: Canvas) -> List[Prim]:
    """All feature draw calls of one face."""
    prims = []
    for side in ('l', 'r'):
        prims += _brow(model, cam, look, cv, side)
        prims += _eye(model, cam, look, cv, side)
    prims += _nose(model, cam, look, cv)
    prims += _mouth(model, cam, look, cv)
    return prims
