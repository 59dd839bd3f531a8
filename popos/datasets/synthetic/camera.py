"""Head pose and the camera that projects the face into the image."""
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """R = Rz(roll) Rx(pitch) Ry(yaw), angles in degrees.

    Positive yaw turns the face towards the image right, positive pitch
    brings the chin towards the camera (the face looks up), positive roll
    turns the face clockwise in the image.
    """
    y, p, r = np.deg2rad([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0],
                   [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)],
                   [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0],
                   [0, 0, 1]])
    return rz @ rx @ ry


@dataclass
class Camera:
    """Weak-perspective-plus camera: pose, pixel scale and image position."""

    yaw: float = 0.
    pitch: float = 0.
    roll: float = 0.
    scale: float = 80.  # pixels per face unit at the head centre
    cx: float = 128.  # image position of the head centre
    cy: float = 128.
    dist: float = 8.  # camera distance in face units (mild perspective)

    @cached_property
    def R(self) -> np.ndarray:
        return rotation(self.yaw, self.pitch, self.roll)

    def to_cam(self, xyz: np.ndarray) -> np.ndarray:
        """Rotate model points; z' grows towards the camera."""
        return xyz @ self.R.T

    def project(self, xyz: np.ndarray) -> np.ndarray:
        """Model points (N, 3) -> pixel coordinates (N, 2)."""
        return self.project_cam(self.to_cam(xyz))

    def project_cam(self, pc: np.ndarray) -> np.ndarray:
        k = self.scale * self.dist / (self.dist - pc[..., 2:3])
        return np.concatenate([self.cx + k * pc[..., 0:1],
                               self.cy + k * pc[..., 1:2]], axis=-1)

    def facing(self, xyz: np.ndarray, normals: np.ndarray) -> np.ndarray:
        """Cosine between the surface normal and the direction to the camera
        (> 0: the surface faces the camera)."""
        pc = self.to_cam(xyz)
        nc = self.to_cam(normals)
        view = np.array([0., 0., self.dist]) - pc
        view /= np.linalg.norm(view, axis=-1, keepdims=True)
        return np.sum(nc * view, axis=-1)

    def mirrored(self, width: float) -> 'Camera':
        """The camera that sees the left-right mirror of this image
        (pixel centres at integers, as cv2.flip and mmpose's flip: x ->
        width - 1 - x)."""
        return replace(self, yaw=-self.yaw, roll=-self.roll,
                       cx=width - 1 - self.cx)


def _heavy_tailed(rng: np.random.Generator, sigma: float, limit: float,
                  p_uniform: float) -> float:
    """Mostly N(0, sigma), sometimes uniform over the full range, so that
    near-frontal faces dominate but the extremes are present."""
    if rng.random() < p_uniform:
        return float(rng.uniform(-limit, limit))
    return float(np.clip(rng.normal(0, sigma), -limit, limit))


def sample_camera(rng: np.random.Generator, image_size: int,
                  max_yaw: float = 70., max_pitch: float = 30.,
                  max_roll: float = 45.) -> Camera:
    """Random pose and placement; the face is not always centred or large."""
    yaw = _heavy_tailed(rng, 18., max_yaw, 0.15)
    pitch = _heavy_tailed(rng, 9., max_pitch, 0.1)
    roll = _heavy_tailed(rng, 10., max_roll, 0.1)
    # fraction of the image taken by the face (~1.9 units from brow to chin
    # and across the cheeks)
    if rng.random() < 0.15:
        frac = rng.uniform(0.25, 0.95)
    else:
        frac = rng.uniform(0.45, 0.75)
    scale = frac * image_size / 1.9
    free = max(0., (1 - frac) / 2) * image_size
    cx = image_size / 2 + rng.uniform(-0.85, 0.85) * free
    # the head centre is above the face centre (~0.35 units)
    cy = image_size / 2 + rng.uniform(-0.85, 0.85) * free - 0.35 * scale
    return Camera(yaw, pitch, roll, float(scale), float(cx), float(cy),
                  float(rng.uniform(5., 12.)))
