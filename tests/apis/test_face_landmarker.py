"""FaceLandmarker with the shipped models: real-face accuracy, input handling, clear errors."""
import os.path as osp

import numpy as np
import pytest
import torch

from popos.apis import FaceLandmarker, read_image
from popos.weights import get_model_info, list_aliases, list_models, resolve

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# Detector box NME / ground-truth box NME of the default model with dlib on the val faces,
# measured 1.04 by tools/analysis/benchmark_detectors.py (docs/inference.md); the bound is 1.10.
DETECTOR_BOX_COST = 1.10


@pytest.fixture(scope='module')
def landmarker():
    return FaceLandmarker('default', detector='dlib')


@pytest.fixture(scope='module')
def val_faces(real_300w_val):
    return real_300w_val


def nme(pred, gt):
    return np.linalg.norm(pred - gt, axis=1).mean() / np.linalg.norm(gt[36] - gt[45]) * 100


def test_every_shipped_model_resolves_and_loads_weights_only():
    assert {'default', 'small'} <= set(list_aliases())
    for name in list_models() + list(list_aliases()):
        info = get_model_info(name)
        cfg, ckpt = resolve(name)
        assert osp.getsize(ckpt) <= 15e6
        state = torch.load(ckpt, weights_only=True)  # no allow-list needed
        assert set(state) == {'state_dict', 'meta'}
        assert 'non-commercial' in info['terms']
        assert info['val']['NME_no_flip'] > 0 and cfg.endswith('.py')


def test_default_model_on_real_val_faces_matches_its_model_zoo_figure(landmarker, val_faces):
    errors = [nme(landmarker(path, bboxes=[np.r_[gt.min(0), gt.max(0)]])[0]['keypoints'], gt)
              for path, gt in val_faces]
    zoo = landmarker.model_info['val']['NME_no_flip']
    assert np.mean(errors) <= 1.1 * zoo, (np.mean(errors), zoo)


def test_default_detector_finds_the_val_faces_and_its_box_costs_little(landmarker, val_faces):
    """The protocol of tools/analysis/benchmark_detectors.py, through the public API."""
    import sys
    sys.path.insert(0, REPO)
    from tools.analysis.benchmark_detectors import match
    found, gt_err, det_err = 0, [], []
    for path, gt in val_faces:
        faces = landmarker(path)
        box = np.r_[gt.min(0), gt.max(0)]
        model_boxes = landmarker.detector.landmark_boxes(
            np.array([f['bbox'] for f in faces], np.float32).reshape(-1, 4))
        i = match(model_boxes, box)
        if i < 0:
            continue
        found += 1
        det_err.append(nme(faces[i]['keypoints'], gt))
        gt_err.append(nme(landmarker(path, bboxes=[box])[0]['keypoints'], gt))
    assert found >= 0.9 * len(val_faces)
    assert np.mean(det_err) <= DETECTOR_BOX_COST * np.mean(gt_err)


def test_outputs_are_sorted_typed_and_converted(landmarker, val_faces):
    path, gt = val_faces[0]
    img = read_image(path)
    two = [np.r_[gt.min(0), gt.max(0)], [5, 5, 25, 25]]
    faces = landmarker(img, bboxes=two)
    assert len(faces) == 2
    f = faces[0]
    assert f['bbox'].shape == (4, ) and isinstance(f['bbox_score'], float)
    assert f['keypoints'].shape == (68, 2) and f['keypoint_scores'].shape == (68, )
    assert f['keypoints'].dtype == np.float32
    lm51 = FaceLandmarker('default', detector=None, layout='51')
    np.testing.assert_allclose(lm51(img, bboxes=two[:1])[0]['keypoints'], f['keypoints'][17:],
                               atol=1e-4)


def test_gray_rgba_tiny_and_faceless_images(landmarker, val_faces, tmp_path):
    import cv2
    path, gt = val_faces[0]
    img = read_image(path)
    box = [np.r_[gt.min(0), gt.max(0)]]
    ref = landmarker(img, bboxes=box)[0]['keypoints']
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert nme(landmarker(gray, bboxes=box)[0]['keypoints'], gt) < 3 * nme(ref, gt) + 5
    rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    np.testing.assert_allclose(landmarker(rgba, bboxes=box)[0]['keypoints'], ref, atol=1e-3)
    with open(path, 'rb') as f:                         # encoded bytes = the file itself
        np.testing.assert_array_equal(landmarker(f.read(), bboxes=box)[0]['keypoints'], ref)
    assert landmarker(np.zeros((1, 1, 3), np.uint8)) == []
    assert landmarker(np.full((200, 300, 3), 90, np.uint8)) == []
    assert len(landmarker(np.zeros((1, 1), np.uint8), bboxes=[[0, 0, 1, 1]])) == 1


def test_bad_inputs_raise_errors_that_name_the_problem(landmarker, tmp_path):
    with pytest.raises(FileNotFoundError, match='no_such.jpg'):
        landmarker(str(tmp_path / 'no_such.jpg'))
    bad = tmp_path / 'broken.jpg'
    bad.write_text('not an image')
    with pytest.raises(ValueError, match='broken.jpg'):
        landmarker(str(bad))
    with pytest.raises(TypeError, match='uint8'):
        landmarker(np.zeros((10, 10, 3), np.float32))
    for bad_input, error, match in (([], TypeError, 'got list'), (None, TypeError, 'NoneType'),
                                    (str(tmp_path), IsADirectoryError, 'is a directory'),
                                    (b'not an image', ValueError, 'cannot decode the 12 bytes')):
        with pytest.raises(error, match=match):
            landmarker(bad_input)
    for boxes in ([1, 2, 3], [[1, 2, 3, 4, 5]], [[[1, 2, 3, 4]]]):
        with pytest.raises(ValueError, match='one \\[x0, y0, x1, y1\\] box or a list'):
            landmarker(np.zeros((10, 10, 3), np.uint8), bboxes=boxes)
    for shape in ((10, 10, 2), (2, 10, 10, 3), (10, )):
        with pytest.raises(ValueError, match=r'H x W \(x 1\|3\|4\) image, got shape'):
            read_image(np.zeros(shape, np.uint8))
    with pytest.raises(ValueError, match='bboxes'):
        landmarker(np.zeros((10, 10, 3), np.uint8), bboxes=[[5, 5, 1, 1]])
    # empty images: one clear error, not OpenCV's assertion
    for empty in (b'', np.zeros((0, 10), np.uint8), np.zeros((0, 0, 3), np.uint8)):
        with pytest.raises(ValueError, match='empty image|cannot decode the 0 bytes'):
            landmarker(empty, bboxes=[[0, 0, 5, 5]])
    # no boxes is no face (a detector of your own that found none)
    assert landmarker(np.zeros((10, 10, 3), np.uint8), bboxes=[]) == []
    with pytest.raises(ValueError, match='bboxes must be numbers'):
        landmarker(np.zeros((10, 10, 3), np.uint8), bboxes='abc')
    # a box wholly outside the image holds no face, yet the network would answer
    with pytest.raises(ValueError, match=r'lies outside the 10x10 image'):
        landmarker(np.zeros((10, 10, 3), np.uint8), bboxes=[[0, 0, 5, 5], [50, 50, 60, 60]])
    with pytest.raises(KeyError, match='no shipped model'):
        get_model_info('nope')
    with pytest.raises(FileNotFoundError, match='neither a shipped model'):
        FaceLandmarker('nope')


def test_checkpoint_of_another_heatmap_size_is_refused(tmp_path):
    from popos.models.heads import HeatmapSizeMismatchError
    small = get_model_info('small')
    default = get_model_info('default')
    if small['heatmap_size'] == default['heatmap_size']:
        pytest.skip('both aliases have one heatmap size')
    with pytest.raises(HeatmapSizeMismatchError, match='--heatmap-size'):
        FaceLandmarker('default', weights=small['checkpoint'], detector=None)
    # the command-line tools: one line, not a traceback
    from popos.apis.cli import build_landmarker
    with pytest.raises(SystemExit, match=r'cannot build the landmarker \(default\): .*'
                       r'trained with 4x4 heatmaps'):
        build_landmarker('default', weights=small['checkpoint'], detector=None)


def test_mmpose_inferencer_runs_the_shipped_config_like_facelandmarker(val_faces):
    from mmpose.apis import MMPoseInferencer
    path, _ = val_faces[0]
    config, checkpoint = resolve('default')
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint,
                                  det_model='whole_image', device='cpu')
    ours = np.asarray(next(inferencer(path))['predictions'][0][0]['keypoints'])
    h, w = read_image(path).shape[:2]
    ref = FaceLandmarker('default', detector=None, flip_test=True)(path, bboxes=[[0, 0, w, h]])
    np.testing.assert_allclose(ours, ref[0]['keypoints'], atol=1e-2)
