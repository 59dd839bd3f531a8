"""A parametric 3D face: head surface plus landmark curves.

Canonical frame (face units, the outer eye corners are ~0.9 apart): x to the
image right of a frontal face, y down, z towards the camera; the origin is the
centre of the head, the face front sits at z ~ ``depth``. "l"/"r" in curve
names mean the image-left/right side of the *frontal* face (the subject's
right/left), the side convention of WFLW/300W/LaPa point orders.

Every curve is a dense polyline sampled by normalised arc length, so a dataset
layout asks for "the point at 25 % along the upper lid of the left eye" and
gets the same anatomical point for every identity, expression and pose. The
right-side curves are exact mirrors of the left ones with reversed direction
(``curve_r(t) == mirror(curve_l(1 - t))``), which is what makes the flip pairs
of the metainfo hold.
"""
from dataclasses import dataclass, fields, replace
from typing import Dict, Tuple

import numpy as np

DENSE = 96  # samples per curve; arc-length interpolation between them


@dataclass
class FaceParams:
    """Identity, expression and eye gaze of one face (pose lives in Camera)."""

    # identity
    width: float = 0.78  # half-width of the head at the cheeks
    depth: float = 0.75  # half-depth of the head (front of the face)
    jaw_len: float = 1.02  # from the jaw hinge level down to the chin
    jaw_sq: float = 2.4  # superellipse exponent: 2 round, 3+ square jaw
    eye_x: float = 0.32  # eye centre offset from the midline
    eye_w: float = 0.135  # eye half-width
    eye_h: float = 0.055  # upper lid height of an open eye
    eye_tilt: float = 0.01  # outer corner above inner corner
    brow_y: float = -0.2  # brow height (above the eyes)
    brow_th: float = 0.045  # brow thickness at its inner end
    brow_arch: float = 0.05
    nose_len: float = 0.42  # nose tip height
    nose_h: float = 0.28  # tip protrusion
    nose_w: float = 0.11  # alar half-width
    mouth_y: float = 0.72
    mouth_w: float = 0.24  # mouth half-width
    lip_up: float = 0.075  # upper lip thickness
    lip_lo: float = 0.09  # lower lip thickness
    # expression (per side where people do it asymmetrically)
    eye_open_l: float = 1.0
    eye_open_r: float = 1.0
    brow_raise_l: float = 0.0
    brow_raise_r: float = 0.0
    mouth_open: float = 0.0  # gap between the lips, face units
    smile: float = 0.0
    gaze_x: float = 0.0  # -1..1, in image-x of the frontal face
    gaze_y: float = 0.0

    def mirrored(self) -> 'FaceParams':
        """The same face reflected left-right (x -> -x)."""
        return replace(
            self,
            eye_open_l=self.eye_open_r,
            eye_open_r=self.eye_open_l,
            brow_raise_l=self.brow_raise_r,
            brow_raise_r=self.brow_raise_l,
            gaze_x=-self.gaze_x)

    def as_dict(self) -> Dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


JAW_TOP = 0.05  # y of the jaw hinge line, just below the eyes
HEAD_TOP = 1.3  # distance from the jaw hinge line up to the crown
U_JAW = np.deg2rad(76.)  # azimuth of the jaw line at the hinge
SQUARE = 2.6  # superellipse exponent of the head cross-section


def _catmull_rom(ctrl: np.ndarray, n: int = DENSE) -> np.ndarray:
    """Dense centripetal-free Catmull-Rom spline through ``ctrl`` (M, D)."""
    p = np.concatenate([2 * ctrl[:1] - ctrl[1:2], ctrl,
                        2 * ctrl[-1:] - ctrl[-2:-1]])
    seg = len(ctrl) - 1
    s = np.linspace(0, seg, n)
    i = np.minimum(s.astype(int), seg - 1)
    t = (s - i)[:, None]
    p0, p1, p2, p3 = p[i], p[i + 1], p[i + 2], p[i + 3]
    return 0.5 * ((2 * p1) + (-p0 + p2) * t +
                  (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 +
                  (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)


def sample_curve(curve: np.ndarray, t) -> np.ndarray:
    """Points at normalised arc-length positions ``t`` along a polyline."""
    seg = np.linalg.norm(np.diff(curve, axis=0), axis=1)
    cum = np.concatenate([[0.], np.cumsum(seg)])
    cum /= max(cum[-1], 1e-9)
    t = np.clip(np.atleast_1d(np.asarray(t, dtype=np.float64)), 0., 1.)
    return np.stack([np.interp(t, cum, curve[:, d])
                     for d in range(curve.shape[1])], axis=-1)


class FaceModel:
    """Head surface and named landmark curves of one ``FaceParams``."""

    def __init__(self, p: FaceParams):
        self.p = p
        self.chin_len = p.jaw_len + 0.8 * p.mouth_open  # the jaw drops
        self.curves: Dict[str, np.ndarray] = {}
        self.points: Dict[str, np.ndarray] = {}
        self._build()

    # ------------------------------------------------------------- surface
    def half_axes(self, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Half-width a(y) and half-depth c(y) of the head cross-section."""
        p = self.p
        t = np.asarray(y, dtype=np.float64) - JAW_TOP
        up = np.clip(1 - (np.minimum(t, 0) / HEAD_TOP)**2, 1e-4, None)
        lo = np.clip(1 - np.abs(np.maximum(t, 0) / self.chin_len)**p.jaw_sq,
                     1e-6, None)
        a = p.width * np.where(t < 0, np.sqrt(up), lo**(1 / p.jaw_sq))
        c = p.depth * np.where(
            t < 0, np.sqrt(np.clip(1 - (t / (HEAD_TOP + .1))**2, 1e-4, None)),
            1 - 0.22 * (np.maximum(t, 0) / self.chin_len)**2)
        return a, c

    def nose_bump(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Height of the nose above the head ellipsoid."""
        p = self.p
        top = -0.02
        s = np.clip((y - top) / (p.nose_len - top), 0, 1)
        h = p.nose_h * (0.12 + 0.88 * s**1.6)
        h = np.where(y > p.nose_len,
                     p.nose_h * np.exp(-((y - p.nose_len) / 0.09)**2), h)
        h = np.where(y < top, 0.12 * p.nose_h * np.exp(-((y - top) / .08)**2),
                     h)
        w = 0.05 + 0.09 * s * (p.nose_w / 0.11)
        ridge = h * np.exp(-(x / w)**2)
        alae = 0.3 * p.nose_h * np.exp(-(((np.abs(x) - 0.75 * p.nose_w) /
                                          0.055)**2 +
                                         ((y - p.nose_len - .04) / .05)**2))
        return ridge + alae

    def surface(self, u: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Surface points at azimuth ``u`` (0 = front) and height ``y``.

        Cross-sections are superellipses (exponent ``SQUARE``): a face is
        flatter in front than an ellipsoid, which keeps the far eye in view
        up to large yaw, as on real heads."""
        a, c = self.half_axes(y)
        su, cu = np.sin(u), np.cos(u)
        e = 2. / SQUARE
        x = a * np.sign(su) * np.abs(su)**e
        z = c * np.sign(cu) * np.abs(cu)**e
        front = np.cos(np.clip(u, -np.pi / 2, np.pi / 2))**4
        z = z + self.nose_bump(x, y) * front
        return np.stack([x, np.broadcast_to(y, x.shape), z], axis=-1)

    def surface_normal(self, u: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Outward unit normals by central differences."""
        e = 1e-3
        u, y = np.broadcast_arrays(np.asarray(u, np.float64),
                                   np.asarray(y, np.float64))
        # one batched surface call for the four offsets
        p = self.surface(np.stack([u + e, u - e, u, u]),
                         np.stack([y, y, y + e, y - e]))
        du, dy = p[0] - p[1], p[2] - p[3]
        n = np.cross(du, dy)
        return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True),
                              1e-9)

    def lift(self, xy: np.ndarray, dz=0.) -> Tuple[np.ndarray, np.ndarray]:
        """Put frontal (x, y) points on the surface; returns (xyz, (u, y))."""
        a, _ = self.half_axes(xy[:, 1])
        r = np.clip(xy[:, 0] / a, -1, 1)
        u = np.arcsin(np.sign(r) * np.abs(r)**(SQUARE / 2))
        xyz = self.surface(u, xy[:, 1])
        xyz[:, 2] += dz
        return xyz, np.stack([u, xy[:, 1]], axis=-1)

    # -------------------------------------------------------------- curves
    def _add(self, name: str, ctrl, dz=0.) -> None:
        """Add a dense curve through frontal control points, lifted onto
        the surface plus ``dz`` (a scalar or one value per control point)."""
        dense = _catmull_rom(np.asarray(ctrl, dtype=np.float64))
        dz = np.atleast_1d(np.asarray(dz, dtype=np.float64))
        dz_d = np.interp(np.linspace(0, 1, DENSE),
                         np.linspace(0, 1, dz.size), dz)
        xyz, uv = self.lift(dense, dz_d)
        self.curves[name] = xyz
        self.curves[name + '@uv'] = uv

    def _eye(self, side: str, sign: float) -> None:
        """Lids from the outer to the inner corner (image-left eye)."""
        p = self.p
        op = p.eye_open_l if side == 'l' else p.eye_open_r
        cx = sign * p.eye_x
        outer = np.array([cx + sign * p.eye_w, -p.eye_tilt])
        inner = np.array([cx - sign * p.eye_w, 0.005])
        tau = np.linspace(0, 1, 9)
        base = outer[None] + tau[:, None] * (inner - outer)[None]
        bump = np.sin(np.pi * tau)**0.85 * (1 + 0.25 * (0.5 - tau))
        lo_h = 0.6 * p.eye_h
        up = base.copy()
        up[:, 1] += (-p.eye_h * op + 0.85 * lo_h * (1 - op)) * bump
        lo = base.copy()
        lo[:, 1] += lo_h * bump
        dz = -0.06 + 0.05 * np.sin(np.pi * tau)
        if sign < 0:
            self._add(f'eye_{side}_upper', up, dz)
            self._add(f'eye_{side}_lower', lo, dz)
        else:  # right eye runs inner -> outer, the mirror convention
            self._add(f'eye_{side}_upper', up[::-1], dz[::-1])
            self._add(f'eye_{side}_lower', lo[::-1], dz[::-1])
        # iris centre: gaze offset, kept between the lids
        gx = p.gaze_x * 0.35 * p.eye_w
        ix = cx + gx
        iy = 0.5 * (up[4, 1] + lo[4, 1]) + p.gaze_y * 0.25 * p.eye_h
        iy = np.clip(iy, up[4, 1], lo[4, 1])
        self.points[f'pupil_{side}'] = self.lift(
            np.array([[ix, iy]]), -0.01)[0][0]
        mid = 0.5 * (outer + inner)
        self.points[f'eyec_{side}'] = self.lift(
            np.array([[mid[0], 0.5 * (up[4, 1] + lo[4, 1])]]), -0.02)[0][0]
        self.points[f'eye_open_{side}'] = np.array([op, 0, 0])

    def _build(self) -> None:
        p = self.p
        # jaw: hinge (l) -> chin -> hinge (r); azimuth goes to 0 at the chin
        # so that the chin point is the chin's front, not its side
        phi = np.linspace(0, np.pi / 2, DENSE // 2)
        y = JAW_TOP + self.chin_len * np.sin(phi) * 0.985
        u = -U_JAW * np.cos(phi)**0.6
        left = self.surface(u, y)
        jaw = np.concatenate([left, (left * [-1, 1, 1])[::-1][1:]])
        uv = np.concatenate([np.stack([u, y], -1),
                             (np.stack([u, y], -1) * [-1, 1])[::-1][1:]])
        self.curves['jaw'], self.curves['jaw@uv'] = jaw, uv

        # brows, outer -> inner on the image-left brow; lower edge starts at
        # the shared outer tip
        tau = np.linspace(0, 1, 9)
        for side, sign in (('l', -1.), ('r', 1.)):
            raise_ = p.brow_raise_l if side == 'l' else p.brow_raise_r
            x = sign * (0.53 - tau * 0.43)
            yu = (p.brow_y + 0.03 * (1 - tau) - p.brow_arch *
                  np.sin(np.pi * tau**0.75) - 0.06 * raise_ *
                  (0.6 + 0.4 * tau))
            th = p.brow_th * np.sin(np.minimum(tau / 0.25, 1) * np.pi / 2) * (
                0.55 + 0.45 * tau)
            upper = np.stack([x, yu], -1)
            lower = np.stack([x, yu + th], -1)
            if sign < 0:
                self._add('brow_l_upper', upper, 0.03)
                self._add('brow_l_lower', lower, 0.03)
            else:
                self._add('brow_r_upper', upper[::-1], 0.03)
                self._add('brow_r_lower', lower[::-1], 0.03)

        self._eye('l', -1.)
        self._eye('r', 1.)

        # nose: bridge top -> tip; base alar(l) -> subnasale -> alar(r)
        tip = p.nose_len
        self._add('nose_bridge', [[0, -0.02], [0, 0.13], [0, 0.28], [0, tip]],
                  0.0)
        sub = tip + 0.1
        aw = p.nose_w
        base = [[-aw - 0.01, tip + 0.06], [-0.55 * aw, sub - 0.005],
                [0, sub], [0.55 * aw, sub - 0.005], [aw + 0.01, tip + 0.06]]
        self._add('nose_base', base, 0.0)
        outline = [[-0.075, 0.02], [-0.09, 0.2], [-aw - 0.025, tip - 0.02]
                   ] + base + [[aw + 0.025, tip - 0.02], [0.09, 0.2],
                               [0.075, 0.02]]
        self._add('nose_outline', outline, 0.0)

        # mouth: outer upper l -> r through the cupid's bow, outer lower
        # r -> l; inner lips likewise
        my, mw = p.mouth_y, p.mouth_w * (1 + 0.12 * p.smile)
        cy = my - 0.045 * p.smile
        g = p.mouth_open / 2
        ou = [[-mw, cy], [-0.6 * mw, my - 0.6 * p.lip_up - 0.01 * p.smile],
              [-0.25 * mw, my - p.lip_up - g * 0.3], [0, my - 0.82 * p.lip_up
                                                      - g * 0.3]]
        ou = ou + [[-q[0], q[1]] for q in ou[-2::-1]]
        iu = [[-0.9 * mw, cy + 0.002], [-0.45 * mw, my - g - 0.004],
              [0, my - g - 0.002]]
        iu = iu + [[-q[0], q[1]] for q in iu[-2::-1]]
        il = [[0.9 * mw, cy + 0.004], [0.45 * mw, my + g + 0.002 * (g == 0)],
              [0, my + g + 0.003]]
        il = il + [[-q[0], q[1]] for q in il[-2::-1]]
        ol = [[mw, cy], [0.55 * mw, my + g + 0.75 * p.lip_lo],
              [0, my + g + p.lip_lo]]
        ol = ol + [[-q[0], q[1]] for q in ol[-2::-1]]
        self._add('lip_outer_upper', ou, 0.04)
        self._add('lip_inner_upper', iu, 0.02)
        self._add('lip_inner_lower', il, 0.02)
        self._add('lip_outer_lower', ol, 0.04)

        # ears (rendering and COCO body keypoints)
        for side, sign in (('l', -1.), ('r', 1.)):
            uu = np.full(1, sign * np.deg2rad(92.))
            e = self.surface(uu, np.array([0.18]))[0]
            self.points[f'ear_{side}'] = e + [sign * 0.06, 0, -0.05]

    def point_uv(self, name: str, t) -> np.ndarray:
        """Surface (u, y) of curve points, for visibility tests."""
        return sample_curve(self.curves[name + '@uv'], t)

    def at(self, name: str, t) -> np.ndarray:
        """3D points at arc-length fractions ``t`` of a curve or a point."""
        if name in self.points:
            return np.broadcast_to(self.points[name],
                                   (np.size(t), 3)).copy()
        return sample_curve(self.curves[name], t)


def sample_face_params(rng: np.random.Generator,
                       expressive: float = 0.25) -> FaceParams:
    """Random identity and expression; ``expressive`` is P(strong expr.)."""
    n = rng.normal

    def jit(v: float, rel: float) -> float:
        return float(v * (1 + rel * np.clip(n(), -2.5, 2.5)))

    p = FaceParams(
        width=jit(0.78, 0.06), depth=jit(0.75, 0.06),
        jaw_len=jit(1.02, 0.06), jaw_sq=float(rng.uniform(2.0, 3.4)),
        eye_x=jit(0.32, 0.05), eye_w=jit(0.135, 0.08),
        eye_h=jit(0.055, 0.15), eye_tilt=float(n(0.01, 0.012)),
        brow_y=float(n(-0.2, 0.02)), brow_th=jit(0.045, 0.25),
        brow_arch=jit(0.05, 0.35), nose_len=jit(0.42, 0.07),
        nose_h=jit(0.28, 0.15), nose_w=jit(0.11, 0.12),
        mouth_y=jit(0.72, 0.04), mouth_w=jit(0.24, 0.1),
        lip_up=jit(0.075, 0.2), lip_lo=jit(0.09, 0.2),
        gaze_x=float(np.clip(n(0, 0.35), -1, 1)),
        gaze_y=float(np.clip(n(0, 0.3), -1, 1)))
    if rng.random() < expressive:
        kind = rng.integers(4)
        if kind == 0:
            p.mouth_open = float(rng.uniform(0.05, 0.3))
        elif kind == 1:
            p.eye_open_l = p.eye_open_r = float(rng.uniform(0., 0.3))
            if rng.random() < 0.3:  # wink
                p.eye_open_r = float(rng.uniform(0.7, 1.0))
        elif kind == 2:
            p.brow_raise_l = float(rng.uniform(0.6, 1.5))
            p.brow_raise_r = float(p.brow_raise_l + n(0, 0.2))
            p.mouth_open = float(rng.uniform(0., 0.15))
        else:
            p.smile = float(rng.uniform(0.5, 1.0))
            p.mouth_open = float(rng.uniform(0., 0.12))
    else:
        p.mouth_open = float(max(0., n(0, 0.02)))
        p.smile = float(np.clip(n(0.1, 0.2), -0.3, 0.45))
        p.eye_open_l = float(np.clip(n(0.95, 0.1), 0.5, 1.15))
        p.eye_open_r = float(np.clip(p.eye_open_l + n(0, 0.03), 0.4, 1.15))
        p.brow_raise_l = float(n(0, 0.2))
        p.brow_raise_r = float(p.brow_raise_l + n(0, 0.05))
    return p


def expression_strength(p: FaceParams) -> float:
    """0 neutral .. 1 exaggerated (WFLW's 'expression' attribute)."""
    return float(
        max(p.mouth_open / 0.15, (1 - min(p.eye_open_l, p.eye_open_r)) / 0.7,
            max(p.brow_raise_l, p.brow_raise_r) / 0.8, p.smile / 0.7))


__all__ = ['FaceParams', 'FaceModel', 'sample_face_params', 'sample_curve',
           'expression_strength']
