"""Datasets: importing this package registers popos' datasets into mmpose."""
from . import synthetic  # noqa: F401
from .face51_dataset import Face51Dataset
from .unlabelled_face_dataset import UnlabelledFaceDataset
from .pts import dump_pts, format_pts, load_pts, parse_pts

__all__ = [
    'Face51Dataset', 'UnlabelledFaceDataset', 'dump_pts', 'format_pts', 'load_pts', 'parse_pts'
]
