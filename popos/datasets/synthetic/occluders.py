"""Things in front of the face: glasses, hands, objects, hair strands.

Each occluder is drawn into the image and into the occlusion mask; a landmark
under the mask is occluded (COFW/AFLW/COCO flags). Clear glasses are drawn
but, like annotators, we see through them: only sunglasses mask the eyes.
"""
import cv2
import numpy as np

from .appearance import Look
from .camera import Camera
from .face_model import FaceModel
from .render import SHIFT, Canvas, fx


def _fill(cv: Canvas, poly: np.ndarray, col, mask: bool = True) -> None:
    cv2.fillPoly(cv.img, [fx(poly)], tuple(float(c) for c in col),
                 cv2.LINE_AA, SHIFT)
    if mask:
        cv2.fillPoly(cv.occ, [fx(poly)], 255, cv2.LINE_8, SHIFT)


def _glasses(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
             rng: np.random.Generator) -> None:
    p = model.p
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rx, ry = p.eye_w * rng.uniform(1.35, 1.7), p.eye_w * rng.uniform(0.9, 1.3)
    squar = rng.uniform(0., 0.6)  # rounded-rectangle frames
    ring = np.stack([np.sign(np.cos(t)) * np.abs(np.cos(t))**(1 - squar),
                     np.sign(np.sin(t)) * np.abs(np.sin(t))**(1 - squar),
                     0 * t], -1)
    col = rng.uniform(0, 90, 3)
    w = max(1, int(round(cam.scale * rng.uniform(0.012, 0.03))))
    for side in ('l', 'r'):
        c = model.points[f'eyec_{side}'] + [0, 0.01, 0.2]
        rim = cam.project(c + ring * [rx, ry, 0])
        if look.glasses == 'sun':
            _fill(cv, rim, col * 0.4)
        cv2.polylines(cv.img, [fx(rim)], True, tuple(col), w, cv2.LINE_AA,
                      SHIFT)
        cv2.polylines(cv.occ, [fx(rim)], True, 255, w, cv2.LINE_8, SHIFT)
    bridge = cam.project(np.array([model.points['eyec_l'], model.points[
        'eyec_r']]) + [[p.eye_w * 0.9, 0, 0.25], [-p.eye_w * 0.9, 0, 0.25]])
    cv2.polylines(cv.img, [fx(bridge)], False, tuple(col), w, cv2.LINE_AA,
                  SHIFT)
    for side, sgn in (('l', -1), ('r', 1)):
        if sgn * cam.yaw > -5:  # temple arm visible on the near side
            e = model.points[f'ear_{side}']
            c = model.points[f'eyec_{side}'] + [sgn * rx, 0, 0.2]
            arm = cam.project(np.array([c, e + [0, -0.08, 0]]))
            cv2.polylines(cv.img, [fx(arm)], False, tuple(col), w,
                          cv2.LINE_AA, SHIFT)


def _hand(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
          rng: np.random.Generator) -> None:
    """A palm with four fingers reaching over part of the face."""
    targets = ['lip_outer_upper', 'eye_l_upper', 'eye_r_upper', 'jaw',
               'nose_base']
    tgt = cam.project(model.at(str(rng.choice(targets)),
                               rng.uniform(0.2, 0.8)))[0]
    s = cam.scale * rng.uniform(0.8, 1.2)
    ang = rng.uniform(0, 2 * np.pi)
    d = np.array([np.cos(ang), np.sin(ang)])  # from the palm to the tips
    nrm = np.array([-d[1], d[0]])
    reach = rng.uniform(0.05, 0.35)
    palm_c = tgt - d * s * (0.55 - reach)
    skin = np.array(look.skin) * rng.uniform(0.8, 1.1)
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    palm = palm_c + s * (0.32 * np.cos(t)[:, None] * nrm +
                         0.36 * np.sin(t)[:, None] * d)
    _fill(cv, palm, skin * 0.9)
    wrist = np.array([palm_c - d * s * 0.2 + nrm * s * 0.22,
                      palm_c - d * s * 1.5 + nrm * s * 0.25,
                      palm_c - d * s * 1.5 - nrm * s * 0.25,
                      palm_c - d * s * 0.2 - nrm * s * 0.22])
    _fill(cv, wrist, skin * 0.8)
    fw = max(2, int(round(s * 0.11)))
    for k, off in enumerate((-0.22, -0.075, 0.075, 0.22)):
        length = s * (0.5 + 0.1 * (k in (1, 2)))
        a = palm_c + nrm * s * off + d * s * 0.2
        b = a + d * length + nrm * s * rng.normal(0, 0.04)
        col = tuple(float(c) for c in skin * rng.uniform(0.85, 1.0))
        cv2.line(cv.img, tuple(fx(a)), tuple(fx(b)), col, fw, cv2.LINE_AA,
                 SHIFT)
        cv2.line(cv.occ, tuple(fx(a)), tuple(fx(b)), 255, fw, cv2.LINE_8,
                 SHIFT)
        cv2.line(cv.img, tuple(fx(a + nrm * fw * 0.5)),
                 tuple(fx(b + nrm * fw * 0.5)),
                 tuple(float(c) for c in skin * 0.55), 1, cv2.LINE_AA, SHIFT)


def _object(model: FaceModel, cam: Camera, cv: Canvas,
            rng: np.random.Generator) -> None:
    """A box, bottle, microphone or scarf in front of the lower face."""
    c = cam.project(model.at('jaw', rng.uniform(0.3, 0.7)))[0]
    tgt = cam.project(model.at('nose_bridge', 1.))[0]
    c = c + (tgt - c) * rng.uniform(0, 0.8)
    s = cam.scale
    w, h = s * rng.uniform(0.2, 0.7), s * rng.uniform(0.3, 1.0)
    ang = rng.uniform(-0.6, 0.6)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    box = np.array([[-w, -h * 0.2], [w, -h * 0.2], [w, h], [-w, h]]) @ rot.T
    col = rng.uniform(0, 255, 3)
    if rng.random() < 0.4:  # round things
        t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        box = np.stack([w * np.cos(t), h * 0.6 * np.sin(t)], -1) @ rot.T
    _fill(cv, c + box, col)
    for _ in range(int(rng.integers(0, 4))):  # stripes or a label
        q = c + box[rng.integers(len(box))] * rng.uniform(0.2, 0.8)
        cv2.line(cv.img, tuple(fx(q)), tuple(fx(c + (q - c) * -0.5)),
                 tuple(float(v) for v in rng.uniform(0, 255, 3)),
                 max(1, int(s * 0.04)), cv2.LINE_AA, SHIFT)


def _strands(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
             rng: np.random.Generator) -> None:
    """Locks of hair falling over the forehead, brows and eyes."""
    side = rng.choice(['l', 'r'])
    for _ in range(int(rng.integers(2, 6))):
        x0 = rng.uniform(-0.5, 0.5)
        ctrl = np.array([[x0, -0.8, 0.9], [x0 + rng.normal(0, .15), -0.3, .9],
                         [x0 + rng.normal(0, .2), rng.uniform(-.1, .3), .9]])
        if side == 'r':
            ctrl[:, 0] += 0.15
        pts = cam.project(ctrl)
        w = max(2, int(round(cam.scale * rng.uniform(0.04, 0.1))))
        col = tuple(float(c) for c in np.array(look.hair) *
                    rng.uniform(0.7, 1.1))
        cv2.polylines(cv.img, [fx(pts)], False, col, w, cv2.LINE_AA, SHIFT)
        cv2.polylines(cv.occ, [fx(pts)], False, 255, w, cv2.LINE_8, SHIFT)


def draw_occluders(model: FaceModel, cam: Camera, look: Look, cv: Canvas,
                   rng: np.random.Generator) -> None:
    """Draw the occluders chosen in ``look`` (order: glasses first)."""
    if look.glasses:
        _glasses(model, cam, look, cv, rng)
    if look.strands:
        _strands(model, cam, look, cv, rng)
    if look.obj:
        _object(model, cam, cv, rng)
    if look.hand:
        _hand(model, cam, look, cv, rng)
