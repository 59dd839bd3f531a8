"""Rasterise a face with OpenCV: a shaded quad mesh drawn back to front
(painter's algorithm, also filling a depth buffer) with the facial features
inserted into the same depth order, so the nose hides the far eye at large
yaw. No 3D renderer: every primitive is a filled polygon."""
from typing import Callable, Tuple

import cv2
import numpy as np

from .appearance import Look
from .camera import Camera
from .face_model import JAW_TOP, HEAD_TOP, FaceModel

SHIFT = 4  # sub-pixel bits for cv2 drawing
ONE = 1 << SHIFT
U_LIM = np.deg2rad(108.)
NO_DEPTH = -1e6


def fx(pts: np.ndarray) -> np.ndarray:
    """Float pixel coordinates -> cv2 fixed point int32 (pixel centres at
    integer coordinates, the cv2 and mmpose convention)."""
    return np.round(np.asarray(pts) * ONE).astype(np.int32)


def background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Cluttered background: gradient, random shapes, lines, blur."""
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    g = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    if rng.random() < 0.5:
        g = g.transpose(1, 0, 2)
    img = (c0 * (1 - g) + c1 * g).astype(np.float32)
    img = np.broadcast_to(img, (size, size, 3)).copy()
    for _ in range(int(rng.integers(6, 30))):
        col = tuple(float(c) for c in rng.uniform(0, 255, 3))
        kind = rng.integers(4)
        p = rng.uniform(-0.1, 1.1, 2) * size
        r = rng.uniform(0.03, 0.35) * size
        if kind == 0:
            q = p + rng.uniform(-1, 1, 2) * r * 2
            cv2.rectangle(img, tuple(fx(p)), tuple(fx(q)), col, -1,
                          cv2.LINE_8, SHIFT)
        elif kind == 1:
            cv2.circle(img, tuple(fx(p)), int(r * ONE), col, -1,
                       cv2.LINE_8, SHIFT)
        elif kind == 2:
            q = p + rng.uniform(-1, 1, 2) * r * 3
            cv2.line(img, tuple(fx(p)), tuple(fx(q)), col,
                     int(rng.integers(1, max(2, size // 40))), cv2.LINE_AA,
                     SHIFT)
        else:
            poly = p + rng.uniform(-1, 1, (int(rng.integers(3, 7)), 2)) * r
            cv2.fillPoly(img, [fx(poly)], col, cv2.LINE_8, SHIFT)
    k = int(rng.choice([0, 1, 2, 3])) * 2 + 1
    if k > 1:
        img = cv2.GaussianBlur(img, (k, k), 0)
    return img


def _shade(n_cam: np.ndarray, look: Look) -> Tuple[np.ndarray, np.ndarray]:
    """Lambert + Blinn specular for camera-frame normals."""
    ndl = np.clip(n_cam @ look.light, 0, None)
    half = look.light + np.array([0., 0., 1.])
    half /= np.linalg.norm(half)
    spec = np.clip(n_cam @ half, 0, None)**18 * look.specular * 255
    return look.ambient + (1 - look.ambient) * ndl, spec


def _hairline(u: np.ndarray, look: Look) -> np.ndarray:
    """y of the hair edge as a function of azimuth (hair above it)."""
    a = np.minimum(np.abs(u), 1.9) / 1.6
    h = look.hairline + a**2.5 * (0.12 - look.hairline)
    if look.hair_style == 'long':
        h = np.where(np.abs(u) > 1.45, 2.0, h)
    if look.hair_style == 'none':
        h = np.full_like(u, -5.)
    return h


class Canvas:
    """Image, depth buffer and occlusion mask of one rendering."""

    def __init__(self, img: np.ndarray):
        self.img = img
        self.depth = np.full(img.shape[:2], NO_DEPTH, np.float32)
        self.occ = np.zeros(img.shape[:2], np.uint8)


def _head_layers(model: FaceModel, cam: Camera, look: Look,
                 cv: Canvas) -> None:
    """Hair behind the head, shoulders, neck, ears: drawn before the face."""
    img = cv.img
    hair_col = np.array(look.hair) * 0.7
    if look.hair_style != 'none':
        u = np.linspace(-np.pi, np.pi, 40)
        ys = np.linspace(JAW_TOP - HEAD_TOP + 0.02, JAW_TOP + 0.3, 8)
        uu, yy = np.meshgrid(u, ys)
        pts = model.surface(uu.ravel(), yy.ravel()) * 1.08
        if look.hair_style == 'long':
            extra = []
            for y in (0.6, 1.2, 1.7):
                for sgn in (-1, 1):
                    extra.append([sgn * 0.95, y, -0.3])
            pts = np.concatenate([pts, np.array(extra)])
        hull = cv2.convexHull(fx(cam.project(pts)))
        cv2.fillConvexPoly(img, hull, tuple(hair_col), cv2.LINE_AA, SHIFT)
    # shoulders and neck
    clothes = [[-1.9, 2.8, -0.3], [-1.5, 1.55, -0.3], [-0.4, 1.25, -0.2],
               [0.4, 1.25, -0.2], [1.5, 1.55, -0.3], [1.9, 2.8, -0.3]]
    cv2.fillPoly(img, [fx(cam.project(np.array(clothes)))],
                 tuple(look.clothes), cv2.LINE_AA, SHIFT)
    neck = [[-0.42, 0.2, -0.1], [0.42, 0.2, -0.1], [0.45, 1.45, -0.1],
            [-0.45, 1.45, -0.1]]
    cv2.fillConvexPoly(img, fx(cam.project(np.array(neck))),
                       tuple(np.array(look.skin) * 0.62), cv2.LINE_AA, SHIFT)
    for side in ('l', 'r'):
        e = model.points[f'ear_{side}']
        n = np.array([1. if side == 'r' else -1., 0, 0])
        if cam.facing(e[None], n[None])[0] < -0.25:
            continue
        t = np.linspace(0, 2 * np.pi, 16)
        ring = e + np.stack([0 * t, 0.16 * np.sin(t), 0.07 * np.cos(t)], -1)
        f, _ = _shade(cam.to_cam(n[None]), look)
        cv2.fillConvexPoly(img, fx(cam.project(ring)),
                           tuple(np.array(look.skin) * f[0] * 0.9),
                           cv2.LINE_AA, SHIFT)


def _mesh_prims(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
                nu: int = 44, ny: int = 40) -> 'MeshDraw':
    """Visible shaded quads of the head surface, sorted far to near."""
    s = np.linspace(-1, 1, nu)
    u = np.sign(s) * np.abs(s)**1.6 * U_LIM
    y = np.linspace(JAW_TOP - HEAD_TOP + 0.05, JAW_TOP + model.chin_len *
                    0.999, ny)
    uu, yy = np.meshgrid(u, y)
    v = model.surface(uu, yy)
    n = model.surface_normal(uu, yy)
    vc = cam.to_cam(v.reshape(-1, 3)).reshape(v.shape)
    p2 = fx(cam.project_cam(vc))
    # quad centres
    cq = 0.25 * (vc[:-1, :-1] + vc[1:, :-1] + vc[:-1, 1:] + vc[1:, 1:])
    nq = 0.25 * (n[:-1, :-1] + n[1:, :-1] + n[:-1, 1:] + n[1:, 1:])
    nqc = cam.to_cam(nq.reshape(-1, 3)).reshape(nq.shape)
    view = np.array([0., 0., cam.dist]) - cq
    front = np.sum(nqc * view, -1) > 0
    shade, spec = _shade(nqc / np.linalg.norm(nqc, axis=-1, keepdims=True),
                         look)
    uq = 0.5 * (uu[:-1, :-1] + uu[:-1, 1:])
    yq = 0.5 * (yy[:-1, :-1] + yy[1:, :-1])
    hair = yq < _hairline(uq, look)
    albedo = np.where(hair[..., None], np.array(look.hair),
                      np.array(look.skin))
    spec = np.where(hair, spec * 0.3, spec)
    col = albedo * shade[..., None] + spec[..., None]
    quads = np.stack([p2[:-1, :-1], p2[:-1, 1:], p2[1:, 1:], p2[1:, :-1]],
                     axis=2)[front]
    order = np.argsort(cq[..., 2][front], kind='stable')
    return MeshDraw(quads[order], col[front][order].tolist(),
                    cq[..., 2][front][order], cv)


class MeshDraw:
    """Depth-sorted quads; ``draw_until(d)`` draws those farther than d."""

    def __init__(self, quads, colors, depths, cv: Canvas):
        self.quads, self.colors, self.depths = quads, colors, depths
        self.cv, self.k = cv, 0

    def draw_until(self, d: float) -> None:
        img, depth = self.cv.img, self.cv.depth
        stop = int(np.searchsorted(self.depths, d))
        for k in range(self.k, stop):
            q = self.quads[k]
            cv2.fillConvexPoly(img, q, self.colors[k], cv2.LINE_8, SHIFT)
            cv2.fillConvexPoly(depth, q, float(self.depths[k]), cv2.LINE_8,
                               SHIFT)
        self.k = max(self.k, stop)


def render_face(model: FaceModel, cam: Camera, look: Look,
                rng: np.random.Generator, size: int,
                feature_prims: Callable) -> Canvas:
    """Background, head, features (``feature_prims(model, cam, look, cv)``
    returns depth-keyed draw calls) and skin texture, in depth order."""
    cv = Canvas(background(rng, size))
    _head_layers(model, cam, look, cv)
    mesh = _mesh_prims(model, cam, look, cv)
    prims = sorted(feature_prims(model, cam, look, cv), key=lambda p: p[0])
    # painter's algorithm: features go in between the quads by depth
    for d, draw in prims:
        mesh.draw_until(d)
        draw()
    mesh.draw_until(np.inf)
    _texture(rng, look, cv)
    return cv


def _texture(rng: np.random.Generator, look: Look, cv: Canvas) -> None:
    """Blotchy low-frequency skin variation plus pores, face pixels only."""
    h, w = cv.depth.shape
    lo = cv2.resize(rng.normal(0, 1, (6, 6)).astype(np.float32), (w, h),
                    interpolation=cv2.INTER_CUBIC)
    hi = 0.5 * rng.standard_normal((h, w), np.float32)
    t = 1 + look.texture * (lo + hi)
    mask = cv.depth > NO_DEPTH / 2
    cv.img[mask] *= t[mask][:, None]
