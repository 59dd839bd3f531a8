"""The offline face detectors find real faces; calibrated boxes match the landmark box."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from popos.apis import DlibFaceDetector, HaarFaceDetector, build_detector
from popos.apis.tracking import box_iou


def real_faces(face_samples):
    ann = json.load(open(osp.join(face_samples, '300w', 'test_300w.json')))
    for image in ann['images']:
        img = cv2.imread(osp.join(face_samples, '300w', image['file_name']))
        gt = next(a for a in ann['annotations'] if a['image_id'] == image['id'])
        kpts = np.asarray(gt['keypoints']).reshape(-1, 3)[:, :2]
        yield img, np.concatenate([kpts.min(0), kpts.max(0)])


@pytest.mark.parametrize('cls', [DlibFaceDetector, HaarFaceDetector])
def test_detector_finds_real_faces_and_calibrated_box_fits_the_landmarks(cls, face_samples):
    det = cls()
    for img, landmark_box in real_faces(face_samples):
        boxes, scores = det(img)
        assert boxes.shape[1] == 4 and scores.shape == (len(boxes), )
        assert len(boxes), f'{cls.__name__} missed a face'
        raw = box_iou(landmark_box[None], boxes)[0].max()
        calibrated = box_iou(landmark_box[None], det.landmark_boxes(boxes))[0].max()
        # the calibration brings the detector's framing to the training box
        assert calibrated > 0.6 and calibrated >= raw - 0.05


def test_detectors_return_nothing_on_blank_and_tiny_images():
    for det in (build_detector('dlib'), build_detector('haar')):
        for img in (np.zeros((1, 1, 3), np.uint8), np.full((120, 160, 3), 127, np.uint8)):
            boxes, scores = det(img)
            assert boxes.shape == (0, 4) and scores.shape == (0, )
    with pytest.raises(ValueError, match='detector must be'):
        build_detector('retinaface')


def test_mmdet_detector_keeps_boxes_above_the_score_threshold():
    """MMDetFaceDetector's output contract, with mmdet's inference stubbed (no weights offline)."""
    import torch
    from mmengine.structures import InstanceData

    from popos.apis.detectors import MMDetFaceDetector
    boxes = torch.tensor([[1.0, 2.0, 30.0, 40.0], [5.0, 5.0, 9.0, 9.0], [0.0, 0.0, 8.0, 8.0]],
                         dtype=torch.float64)
    scores = torch.tensor([0.9, 0.5, 0.2], dtype=torch.float64)

    class Result:
        pred_instances = InstanceData(bboxes=boxes, scores=scores)

    det = MMDetFaceDetector.__new__(MMDetFaceDetector)
    det.model, det.score_thr, det.calibration = None, 0.4, (0.0, 0.0, 1.0, 1.0)
    det._infer = lambda model, img: Result()
    got_boxes, got_scores = det(np.zeros((48, 48, 3), np.uint8))
    assert got_boxes.dtype == np.float32 and got_scores.dtype == np.float32
    np.testing.assert_array_equal(got_boxes, boxes[:2].numpy().astype(np.float32))
    np.testing.assert_array_equal(got_scores, np.float32([0.9, 0.5]))
    det.score_thr = 0.95                                          # nothing passes: (0, 4)
    got_boxes, got_scores = det(np.zeros((48, 48, 3), np.uint8))
    assert got_boxes.shape == (0, 4) and got_scores.shape == (0,)
