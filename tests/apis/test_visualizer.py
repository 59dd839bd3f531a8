"""FaceLocalVisualizer: mmpose's pose visualizer drawing keypoints under numpy 2."""
import numpy as np
from mmengine.structures import InstanceData
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample

import popos  # noqa: F401


def test_keypoints_are_drawn_where_they_are():
    vis = VISUALIZERS.build(dict(type='FaceLocalVisualizer', radius=2,
                                 name='popos-test-visualizer'))
    vis.set_dataset_meta(dict(keypoint_colors=np.array([[0, 0, 255]] * 3),
                              skeleton_links=[], skeleton_link_colors=np.zeros((0, 3)),
                              num_keypoints=3))
    sample = PoseDataSample()
    kpts = np.array([[[10.0, 12.0], [40.0, 20.0], [25.0, 50.0]]])
    sample.pred_instances = InstanceData(keypoints=kpts, keypoint_scores=np.ones((1, 3)))
    img = vis.add_datasample('x', np.zeros((64, 64, 3), np.uint8), sample, draw_gt=False,
                             show=False)
    drawn = img.sum(-1) > 0
    for x, y in kpts[0].astype(int):
        assert drawn[y, x], (x, y)                       # each keypoint's centre is painted
    assert drawn.sum() < 3 * 50                          # small circles, not the whole image
