"""Reader and writer of iBUG ``.pts`` landmark files (300W, ICME 2024).

Coordinates in ``.pts`` files are 1-based (iBUG's MATLAB convention: the centre of the top-left
pixel is (1, 1)); popos, mmpose and COCO json are 0-based. The reader subtracts and the writer adds
``origin`` (1 by default; 0 for files written 0-based by other tools).
"""
import os
import os.path as osp
from typing import List, Sequence, Union

import numpy as np

ArrayOrList = Union[np.ndarray, Sequence[np.ndarray]]


def _error(path: str, lineno: int, msg: str) -> ValueError:
    return ValueError(f'{path}:{lineno}: malformed .pts file: {msg}')


def parse_pts(text: str, path: str = '<string>', origin: float = 1.0) -> List[np.ndarray]:
    """Parse the text of a ``.pts`` file holding one or more faces.

    A face is the block::

        version: 1
        n_points: 68
        {
        x y
        ...
        }

    The ICME 2024 challenge concatenated one block per face in the same file;
    blank lines and ``#`` comments between blocks are ignored.

    Args:
        text (str): file content.
        path (str): shown in error messages.
        origin (float): the file's coordinate of the top-left pixel centre (iBUG: 1).

    Returns:
        List[np.ndarray]: one 0-based array of shape (n_points, 2) per face, float64.

    Raises:
        ValueError: naming ``path`` and the line number on malformed input.
    """
    faces: List[np.ndarray] = []
    lines = text.lstrip('\ufeff').splitlines()
    state, n_points, points = 'header', None, []
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if state != 'points' and (not line or line.startswith('#')):
            continue
        if state == 'header':
            key, sep, value = line.partition(':')
            key = key.strip().lower()
            if sep and key == 'version':
                continue
            if sep and key == 'n_points':
                try:
                    n_points = int(value.strip())
                except ValueError:
                    raise _error(path, lineno,
                                 f'n_points is not an integer: {value!r}')
                if n_points <= 0:
                    raise _error(path, lineno, f'n_points={n_points}')
                continue
            if line == '{':
                if n_points is None:
                    raise _error(path, lineno, "'{' before 'n_points:'")
                state, points = 'points', []
                continue
            raise _error(path, lineno, f'unexpected header line {line!r}')
        # state == 'points'
        if line == '}':
            if len(points) != n_points:
                raise _error(
                    path, lineno, f'n_points is {n_points} but the block '
                    f'holds {len(points)} points')
            faces.append(np.asarray(points, dtype=np.float64).reshape(-1, 2) - origin)
            state, n_points = 'header', None
            continue
        parts = line.split()
        if len(parts) != 2:
            raise _error(path, lineno,
                         f"expected 'x y' or '}}', got {line!r}")
        try:
            xy = [float(parts[0]), float(parts[1])]
        except ValueError:
            raise _error(path, lineno, f'non-numeric coordinates {line!r}')
        if not np.isfinite(xy).all():
            raise _error(path, lineno, f'non-finite coordinates {line!r}')
        points.append(xy)
    if state == 'points':
        raise _error(path, len(lines), "missing closing '}'")
    if n_points is not None:
        raise _error(path, len(lines), "header without a '{' point block")
    if not faces:
        raise _error(path, max(1, len(lines)), 'no face block found')
    return faces


def load_pts(path: str, origin: float = 1.0) -> List[np.ndarray]:
    """Read a ``.pts`` file: a list of 0-based (n_points, 2) arrays, one per face."""
    with open(path, encoding='utf-8') as f:
        return parse_pts(f.read(), path, origin)


def format_pts(faces: ArrayOrList, precision: int = 3, origin: float = 1.0) -> str:
    """Text of a ``.pts`` file for 0-based faces, one (K, 2) or several (F, K, 2)."""
    if isinstance(faces, np.ndarray) and faces.ndim == 2:
        faces = [faces]
    blocks = []
    for i, face in enumerate(faces):
        face = np.asarray(face, dtype=np.float64) + origin
        if face.ndim != 2 or face.shape[1] != 2 or face.shape[0] == 0:
            raise ValueError(f'face {i} must have shape (K, 2), got '
                             f'{face.shape}')
        if not np.isfinite(face).all():
            raise ValueError(f'face {i} has non-finite coordinates')
        rows = '\n'.join(f'{x:.{precision}f} {y:.{precision}f}'
                         for x, y in face)
        blocks.append(f'version: 1\nn_points: {face.shape[0]}\n{{\n'
                      f'{rows}\n}}\n')
    if not blocks:
        raise ValueError('no face to write')
    return ''.join(blocks)


def dump_pts(faces: ArrayOrList, path: str, precision: int = 3, origin: float = 1.0) -> None:
    """Write one 0-based face (K, 2) or several (F, K, 2) / list to ``path``."""
    text = format_pts(faces, precision, origin)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
