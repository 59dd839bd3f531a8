"""Datasets: importing this package registers popos' datasets into mmpose."""
from . import synthetic  # noqa: F401
from .face51_dataset import Face51Dataset
from .pts import dump_pts, format_pts, load_pts, parse_pts

__all__ = ['Face51Dataset', 'dump_pts', 'format_pts', 'load_pts', 'parse_pts']
