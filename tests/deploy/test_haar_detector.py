"""The offline default face detector of tools/run_model.py finds the real sample faces."""
import json
import os.path as osp

import cv2
import numpy as np

from popos.deploy.inference import HaarFaceDetector


def test_haar_cascade_finds_real_faces(face_samples):
    detector = HaarFaceDetector()
    ann = json.load(open(osp.join(face_samples, '300w', 'test_300w.json')))
    found = 0
    for image in ann['images']:
        img = cv2.imread(osp.join(face_samples, '300w', image['file_name']))
        boxes = np.asarray(detector(img, image['file_name'])).reshape(-1, 4)
        gt = next(a for a in ann['annotations'] if a['image_id'] == image['id'])
        kpts = np.asarray(gt['keypoints']).reshape(-1, 3)[:, :2]
        centre = (kpts.min(0) + kpts.max(0)) / 2
        # boxes are x1, y1, x2, y2: one of them must contain the annotated face centre
        hit = ((boxes[:, 0] <= centre[0]) & (centre[0] <= boxes[:, 2]) &
               (boxes[:, 1] <= centre[1]) & (centre[1] <= boxes[:, 3]))
        found += int(hit.any())
    assert found == len(ann['images'])
