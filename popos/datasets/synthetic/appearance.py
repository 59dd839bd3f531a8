"""Random appearance of one face: colours, light, hair, occluders, camera
degradations. Everything is drawn up-front from the face's own generator so
the image is a pure function of the seed."""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

Color = Tuple[float, float, float]  # BGR, 0..255

# skin albedos (BGR) from light to dark; a face interpolates between two
_SKIN = np.array([[196, 214, 246], [170, 196, 236], [140, 172, 214],
                  [110, 146, 192], [80, 112, 160], [55, 80, 120],
                  [40, 58, 88]], dtype=np.float64)
_HAIR = np.array([[20, 20, 22], [30, 40, 60], [40, 70, 110], [70, 120, 170],
                  [150, 190, 220], [170, 170, 175], [35, 30, 40]],
                 dtype=np.float64)
_IRIS = np.array([[40, 60, 90], [30, 40, 55], [120, 110, 60],
                  [90, 140, 90], [150, 120, 80]], dtype=np.float64)


@dataclass
class Look:
    """Appearance parameters of one rendered face."""

    skin: Color
    lips: Color
    hair: Color
    brows: Color
    iris: Color
    light: np.ndarray  # unit vector towards the light, camera frame
    ambient: float
    specular: float
    hair_style: str  # 'none' | 'short' | 'bangs' | 'long'
    hairline: float  # y of the hairline at the forehead centre
    makeup: bool
    eyeshadow: Optional[Color]
    glasses: Optional[str]  # None | 'clear' | 'sun'
    hand: bool
    obj: bool
    strands: bool
    blur: float  # gaussian sigma in pixels at 256 px
    motion: float  # motion blur length in pixels at 256 px
    noise: float
    gain: float
    gamma: float
    cast: Color
    clothes: Color
    texture: float  # amplitude of the skin texture

    @property
    def strong_light(self) -> bool:
        """WFLW's 'illumination' attribute: hard side light or dark/bright
        exposure."""
        side = abs(self.light[0]) > 0.75 or self.light[2] < 0.35
        return bool((side and self.ambient < 0.3) or self.gain < 0.55
                    or self.gain > 1.5)

    @property
    def blurred(self) -> bool:
        return bool(self.blur > 1.6 or self.motion > 5.)


def _pick(rng: np.random.Generator, table: np.ndarray) -> np.ndarray:
    i, j = rng.integers(len(table), size=2)
    w = rng.random()
    return (1 - w) * table[i] + w * table[j]


def sample_look(rng: np.random.Generator, occlusion_rate: float = 0.2,
                degrade: float = 1.0) -> Look:
    """Random appearance; ``occlusion_rate`` is P(some occluder)."""
    u = rng.random
    skin = _pick(rng, _SKIN) * rng.uniform(0.93, 1.07, 3)
    lips = skin * np.array([0.75, 0.72, 1.0]) * rng.uniform(0.75, 0.95)
    makeup = u() < 0.12
    eyeshadow = None
    if makeup:
        lips = np.array([rng.uniform(20, 90), rng.uniform(10, 60),
                         rng.uniform(140, 230)])
        if u() < 0.7:
            eyeshadow = tuple(float(c) for c in rng.uniform(30, 200, 3))
    hair = _pick(rng, _HAIR) * rng.uniform(0.85, 1.15)
    brows = np.minimum(hair, skin) * rng.uniform(0.4, 0.8)
    # light mostly from the front/above, sometimes hard from the side
    if u() < 0.15:
        d = np.array([rng.choice([-1, 1]) * rng.uniform(0.8, 1.0),
                      rng.uniform(-0.5, 0.3), rng.uniform(0.05, 0.5)])
        ambient = rng.uniform(0.08, 0.3)
    else:
        d = np.array([rng.normal(0, 0.4), rng.normal(-0.3, 0.3),
                      rng.uniform(0.6, 1.0)])
        ambient = rng.uniform(0.3, 0.6)
    d /= np.linalg.norm(d)
    style = rng.choice(['none', 'short', 'short', 'bangs', 'long', 'long'])
    hairline = {'none': -2., 'short': rng.uniform(-0.75, -0.55),
                'bangs': rng.uniform(-0.5, -0.36),
                'long': rng.uniform(-0.75, -0.5)}[str(style)]
    occ = u() < occlusion_rate
    kinds = rng.random(4)
    glasses = None
    if u() < 0.15 or (occ and kinds[0] < 0.3):
        glasses = 'sun' if (occ and u() < 0.6) else 'clear'
    hand = bool(occ and kinds[1] < 0.4)
    obj = bool(occ and kinds[2] < 0.35)
    strands = bool(occ and kinds[3] < 0.25)
    if occ and not (hand or obj or strands or glasses == 'sun'):
        hand = True
    blur = rng.uniform(1.5, 3.5) if u() < 0.15 * degrade else \
        rng.uniform(0, 0.9)
    motion = rng.uniform(5, 14) if u() < 0.06 * degrade else 0.
    gain = rng.uniform(0.4, 1.7) if u() < 0.1 * degrade else \
        rng.uniform(0.8, 1.2)
    return Look(
        skin=tuple(skin), lips=tuple(lips), hair=tuple(hair),
        brows=tuple(brows), iris=tuple(_pick(rng, _IRIS)), light=d,
        ambient=float(ambient), specular=float(rng.uniform(0, 0.25)),
        hair_style=str(style), hairline=float(hairline), makeup=makeup,
        eyeshadow=eyeshadow, glasses=glasses, hand=hand, obj=obj,
        strands=strands, blur=float(blur), motion=float(motion),
        noise=float(rng.uniform(0, 8) * degrade),
        gain=float(gain),
        gamma=float(rng.uniform(0.8, 1.25)),
        cast=tuple(rng.uniform(0.88, 1.12, 3)),
        clothes=tuple(rng.uniform(20, 230, 3)),
        texture=float(rng.uniform(0.03, 0.12)))
