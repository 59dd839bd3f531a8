"""``PoseLocalVisualizer`` whose keypoint circles draw under numpy 2."""
import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer


@VISUALIZERS.register_module()
class FaceLocalVisualizer(PoseLocalVisualizer):
    """mmpose's ``PoseLocalVisualizer``; its OpenCV backend's ``int(radius)`` on the
    one-element radius array mmpose passes is an error under numpy 2, so the radius is handed on
    as a 0-d array (the matplotlib backend keeps the array it expects)."""

    def draw_circles(self, center, radius, *args, **kwargs):
        if self.backend == 'opencv' and isinstance(radius, np.ndarray) and radius.size == 1:
            radius = radius.reshape(())
        return super().draw_circles(center, radius, *args, **kwargs)
