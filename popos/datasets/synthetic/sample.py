"""One synthetic face: image, exact landmarks, visibility and attributes."""
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

import cv2
import numpy as np

from .appearance import Look, sample_look
from .camera import Camera, sample_camera
from .face_model import (FaceModel, FaceParams, expression_strength,
                         sample_face_params)
from .features import feature_prims
from .layouts import Layout, derived_point, layout_points
from .occluders import draw_occluders
from .render import NO_DEPTH, Canvas, _hairline, render_face

DEPTH_EPS = 0.05  # face units; tolerance of the flat-quad depth buffer


@dataclass
class FaceSample:
    """A rendered face and its annotation in pixel coordinates."""

    image: np.ndarray  # uint8 BGR
    keypoints: np.ndarray  # (K, 2) float, pixel centres at integers
    visible: np.ndarray  # (K,) bool: seen in the image
    self_occluded: np.ndarray  # (K,) bool: hidden by the head itself
    face_box: np.ndarray  # (4,) x, y, w, h of the whole face outline
    attributes: Dict[str, object] = field(default_factory=dict)
    extra_points: Dict[str, np.ndarray] = field(default_factory=dict)


def visibility(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
               pts3: np.ndarray, uv: np.ndarray, eye_closed: Sequence[int]):
    """(visible, self_occluded) of 3D landmarks ``pts3`` with surface (u, y)
    ``uv``: back-facing or behind other head parts (nose, cheek) is
    self-occlusion; hair, glasses, hands and objects are occluders."""
    base = model.surface(uv[:, 0], uv[:, 1])
    n = model.surface_normal(uv[:, 0], uv[:, 1])
    facing = cam.facing(base, n)
    xy = cam.project(pts3)
    h, w = cv.depth.shape

    def lookup(p):
        ix = np.clip(np.round(p[:, 0]).astype(int), 0, w - 1)
        iy = np.clip(np.round(p[:, 1]).astype(int), 0, h - 1)
        inside = (p[:, 0] > -0.5) & (p[:, 0] < w - 0.5) & (
            p[:, 1] > -0.5) & (p[:, 1] < h - 0.5)
        return ix, iy, inside

    # depth test at the base surface point: the buffer holds one depth per
    # quad, so the tolerance grows where the surface is seen at a grazing
    # angle (depth changes fast from pixel to pixel there)
    bx, by, binside = lookup(cam.project(base))
    zbuf = cv.depth[by, bx]
    zb = cam.to_cam(base)[:, 2]
    f = np.clip(facing, 0.05, 1.)
    eps = DEPTH_EPS + 1.5 / cam.scale * np.sqrt(1 - f**2) / f
    behind = binside & (zbuf > NO_DEPTH / 2) & (zb < zbuf - eps)
    ix, iy, inside = lookup(xy)
    self_occ = (facing < 0.0) | behind
    self_occ[list(eye_closed)] = True
    hair = uv[:, 1] < _hairline(uv[:, 0], look)
    occl = inside & (cv.occ[iy, ix] > 0)
    return ~(self_occ | hair | occl), self_occ


def degrade(img: np.ndarray, look: Look, rng: np.random.Generator,
            size: int) -> np.ndarray:
    """Exposure, colour cast, blur, motion blur, sensor noise; -> uint8."""
    k = size / 256.
    img = img * (np.array(look.cast, np.float32) * look.gain)
    img = 255. * np.power(np.clip(img / 255., 0, 1), look.gamma)
    sigma = max(look.blur * k, 0.45)  # always a little: anti-aliasing
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma)
    if look.motion > 0:
        n = max(3, int(look.motion * k) | 1)
        ker = np.zeros((n, n), np.float32)
        ker[n // 2] = 1. / n
        rot = cv2.getRotationMatrix2D((n / 2 - .5, n / 2 - .5),
                                      float(rng.uniform(0, 180)), 1.)
        ker = cv2.warpAffine(ker, rot, (n, n))
        img = cv2.filter2D(img, -1, ker / max(ker.sum(), 1e-6))
    if look.noise > 0:
        img = img + look.noise * rng.standard_normal(img.shape, np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def face_outline_box(model: FaceModel, cam: Camera) -> np.ndarray:
    """x, y, w, h of the face (jaw, cheeks, forehead up to y=-0.6)."""
    u = np.linspace(-1.3, 1.3, 15)
    fore = model.surface(u, np.full_like(u, -0.6))
    pts = cam.project(np.concatenate([model.curves['jaw'], fore]))
    lo, hi = pts.min(0), pts.max(0)
    return np.concatenate([lo, hi - lo])


def synthesize(rng: np.random.Generator, layout: Layout, image_size: int,
               params: Optional[FaceParams] = None,
               cam: Optional[Camera] = None,
               look: Optional[Look] = None) -> FaceSample:
    """Draw (or take) parameters, render, and annotate one face."""
    if params is None:
        params = sample_face_params(rng)
    if cam is None:
        cam = sample_camera(rng, image_size)
    if look is None:
        look = sample_look(rng, layout.occlusion_rate)
    model = FaceModel(params)
    cv = render_face(model, cam, look, rng, image_size, feature_prims)
    draw_occluders(model, cam, look, cv, rng)
    pts3, uv = layout_points(model, layout)
    closed = [k for k, (name, _) in enumerate(layout.spec)
              if name.startswith('pupil_') and
              model.points['eye_open_' + name[-1]][0] < 0.25]
    vis, self_occ = visibility(model, cam, look, cv, pts3, uv, closed)
    img = degrade(cv.img, look, rng, image_size)
    kpts = cam.project(pts3)

    names = ('nose_bridge', 'pupil_l', 'pupil_r', 'ear_l', 'ear_r')
    ep, eq = zip(*(derived_point(model, n, 1.) for n in names))
    ev, _ = visibility(model, cam, look, cv, np.array(ep), np.array(eq), [])
    exy = cam.project(np.array(ep))
    extra = {n: np.array([*exy[k], float(ev[k])])
             for k, n in enumerate(names)}

    occluded = (~vis) & (~self_occ)
    attrs = dict(
        yaw=cam.yaw, pitch=cam.pitch, roll=cam.roll,
        largepose=bool(abs(cam.yaw) > 40 or abs(cam.pitch) > 22 or
                       abs(cam.roll) > 30),
        expression=bool(expression_strength(params) > 0.8),
        illumination=look.strong_light, makeup=bool(look.makeup),
        occlusion=bool(occluded.mean() > 0.05 or look.glasses == 'sun'),
        blur=look.blurred)
    return FaceSample(img, kpts, vis, self_occ, face_outline_box(model, cam),
                      attrs, extra)
