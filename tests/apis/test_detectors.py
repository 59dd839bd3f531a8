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
