"""Per-dataset landmark definitions on the parametric face.

Each layout lists, in the dataset's official order, where its points lie on
the face model: ``(curve, t)`` = the point at arc-length fraction ``t`` of a
curve (see ``face_model``). The orders follow the official markups, checked
against mmpose's metainfo flip pairs and the real sample annotations:

- 300W / COCO-WholeBody-Face (68, iBUG): jaw 0-16, brows 17-26 (upper edge),
  nose bridge 27-30, nose base 31-35, eyes 36-47 (from the outer corner of the
  image-left eye, clockwise), lips 48-67.
- WFLW (98): jaw 0-32, brows 33-50 (upper edge outer->inner, then lower edge
  inner->outer), bridge 51-54, base 55-59, eyes 60-75, lips 76-95, pupils
  96-97.
- LaPa (106): jaw, brows and lips as WFLW; nose 51-65 (bridge + an 11-point
  outline from the left side of the bridge round the base); eyes 66-83 with the
  eye centres 74/83; pupils 104/105.
- COFW (29) and AFLW (19): sparse sets (brow corners/midpoints, eye corners,
  pupils, nostrils, mouth corners, lip midpoints, chin).
- ivslab51: 300W without the 17 jaw points.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

Spec = List[Tuple[str, float]]


def _run(curve: str, ts) -> Spec:
    return [(curve, float(t)) for t in ts]


def _lin(n: int) -> np.ndarray:
    return np.linspace(0., 1., n)


def _spec_300w() -> Spec:
    s = _run('jaw', _lin(17))
    s += _run('brow_l_upper', _lin(5)) + _run('brow_r_upper', _lin(5))
    s += _run('nose_bridge', _lin(4)) + _run('nose_base', _lin(5))
    s += _run('eye_l_upper', [0, 1 / 3, 2 / 3, 1])
    s += _run('eye_l_lower', [2 / 3, 1 / 3])
    s += _run('eye_r_upper', [0, 1 / 3, 2 / 3, 1])
    s += _run('eye_r_lower', [2 / 3, 1 / 3])
    s += _run('lip_outer_upper', _lin(7))
    s += _run('lip_outer_lower', np.arange(1, 6) / 6)
    s += _run('lip_inner_upper', _lin(5))
    s += _run('lip_inner_lower', [0.25, 0.5, 0.75])
    return s


def _brows_98() -> Spec:
    s = _run('brow_l_upper', _lin(5))
    s += _run('brow_l_lower', [1., .75, .5, .25])
    s += _run('brow_r_upper', _lin(5))
    s += _run('brow_r_lower', [.75, .5, .25, 0.])
    return s


def _eye_98(side: str) -> Spec:
    q = [0, .25, .5, .75, 1]
    if side == 'l':  # outer corner first
        return _run('eye_l_upper', q) + _run('eye_l_lower', [.75, .5, .25])
    return _run('eye_r_upper', q) + _run('eye_r_lower', [.75, .5, .25])


def _lips_98() -> Spec:
    s = _run('lip_outer_upper', _lin(7))
    s += _run('lip_outer_lower', np.arange(1, 6) / 6)
    s += _run('lip_inner_upper', _lin(5))
    s += _run('lip_inner_lower', [.25, .5, .75])
    return s


def _spec_wflw() -> Spec:
    s = _run('jaw', _lin(33)) + _brows_98()
    s += _run('nose_bridge', _lin(4)) + _run('nose_base', _lin(5))
    s += _eye_98('l') + _eye_98('r') + _lips_98()
    s += [('pupil_l', 0.), ('pupil_r', 0.)]
    return s


def _spec_lapa() -> Spec:
    s = _run('jaw', _lin(33)) + _brows_98()
    s += _run('nose_bridge', _lin(4)) + _run('nose_outline', _lin(11))
    s += _eye_98('l') + [('eyec_l', 0.)] + _eye_98('r') + [('eyec_r', 0.)]
    s += _lips_98() + [('pupil_l', 0.), ('pupil_r', 0.)]
    return s


def _spec_cofw() -> Spec:
    return [
        ('brow_l_upper', 0.), ('brow_r_upper', 1.),
        ('brow_l_inner', 0.), ('brow_r_inner', 0.),
        ('brow_l_upper', .5), ('brow_l_lower', .5),
        ('brow_r_upper', .5), ('brow_r_lower', .5),
        ('eye_l_upper', 0.), ('eye_r_upper', 1.),
        ('eye_l_upper', 1.), ('eye_r_upper', 0.),
        ('eye_l_upper', .5), ('eye_l_lower', .5),
        ('eye_r_upper', .5), ('eye_r_lower', .5),
        ('pupil_l', 0.), ('pupil_r', 0.),
        ('nose_base', 0.), ('nose_base', 1.),
        ('nose_bridge', 1.), ('nose_base', .5),
        ('lip_outer_upper', 0.), ('lip_outer_upper', 1.),
        ('lip_outer_upper', .5), ('lip_inner_upper', .5),
        ('lip_inner_lower', .5), ('lip_outer_lower', .5),
        ('jaw', .5),
    ]


def _spec_aflw() -> Spec:
    return [
        ('brow_l_mid', 0.), ('brow_l_mid', .5), ('brow_l_mid', 1.),
        ('brow_r_mid', 0.), ('brow_r_mid', .5), ('brow_r_mid', 1.),
        ('eye_l_upper', 0.), ('pupil_l', 0.), ('eye_l_upper', 1.),
        ('eye_r_upper', 0.), ('pupil_r', 0.), ('eye_r_upper', 1.),
        ('nose_base', 0.), ('nose_base', .5), ('nose_base', 1.),
        ('lip_outer_upper', 0.), ('mouth_centre', 0.),
        ('lip_outer_upper', 1.), ('jaw', .5),
    ]


@dataclass
class Layout:
    """One dataset's markup and file conventions."""

    name: str
    spec: Spec
    # (v for a visible point, v for a hidden one): the values the official
    # json uses; WFLW/300W mark every point 1, COFW marks occlusion with 1
    vis_values: Tuple[float, float] = (1, 1)
    norm_pair: Tuple[int, int] = (0, 0)  # outer eye corners (NME)
    occlusion_rate: float = 0.2  # P(an occluder) for this dataset
    meta: Dict = field(default_factory=dict)

    @property
    def num_keypoints(self) -> int:
        return len(self.spec)


def _without_jaw(spec: Spec) -> Spec:
    return spec[17:]


LAYOUTS: Dict[str, Layout] = {
    'wflw': Layout('wflw', _spec_wflw(), (1, 1), (60, 72)),
    '300w': Layout('300w', _spec_300w(), (1, 1), (36, 45)),
    'cofw': Layout('cofw', _spec_cofw(), (2., 1.), (8, 9), 0.6),
    'aflw': Layout('aflw', _spec_aflw(), (1, 0), (6, 11)),
    'coco_wholebody_face': Layout('coco_wholebody_face', _spec_300w(),
                                  (1., 1.), (36, 45)),
    'lapa': Layout('lapa', _spec_lapa(), (2., 2.), (66, 79)),
    'ivslab51': Layout('ivslab51', _without_jaw(_spec_300w()), (2, 2),
                       (19, 28)),
}


def layout_points(model, layout: Layout) -> Tuple[np.ndarray, np.ndarray]:
    """3D points (K, 3) of a layout and their surface (u, y) (K, 2)."""
    pts = np.zeros((layout.num_keypoints, 3))
    uv = np.full((layout.num_keypoints, 2), np.nan)
    by_curve: Dict[str, List[int]] = {}
    for k, (name, t) in enumerate(layout.spec):
        if name in model.curves:
            by_curve.setdefault(name, []).append(k)
        else:
            pts[k], uv[k] = derived_point(model, name, t)
    for name, idx in by_curve.items():  # one interpolation per curve
        ts = [layout.spec[k][1] for k in idx]
        pts[idx] = model.at(name, ts)
        uv[idx] = model.point_uv(name, ts)
    return pts, uv


def derived_point(model, name: str, t: float):
    """A curve/named point, or one of the few points defined from others."""
    if name in ('brow_l_inner', 'brow_r_inner'):
        s = name[5]
        # the blunt inner end of the brow, between its two edges
        t_in = 1. if s == 'l' else 0.
        a = model.at(f'brow_{s}_upper', t_in)[0]
        b = model.at(f'brow_{s}_lower', t_in)[0]
        return 0.5 * (a + b), model.point_uv(f'brow_{s}_upper', t_in)[0]
    if name in ('brow_l_mid', 'brow_r_mid'):
        s = name[5]
        a = model.at(f'brow_{s}_upper', t)[0]
        b = model.at(f'brow_{s}_lower', t)[0]
        return 0.5 * (a + b), model.point_uv(f'brow_{s}_upper', t)[0]
    if name == 'mouth_centre':
        a = model.at('lip_inner_upper', .5)[0]
        b = model.at('lip_inner_lower', .5)[0]
        return 0.5 * (a + b), model.point_uv('lip_inner_upper', .5)[0]
    if name in model.points:
        p = model.points[name]
        return p.copy(), model.lift(p[None, :2])[1][0]
    return model.at(name, t)[0], model.point_uv(name, t)[0]


def get_layout(name: str) -> Layout:
    """Look up a layout by its CLI name."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f'unknown layout {name!r}; choose from '
                       f'{sorted(LAYOUTS)}') from None
