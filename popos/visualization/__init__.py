"""mmpose's pose visualizer, usable with numpy 2 (``tools/test.py --show-dir``)."""
from .local_visualizer import FaceLocalVisualizer

__all__ = ['FaceLocalVisualizer']
