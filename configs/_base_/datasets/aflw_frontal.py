# AFLW-Frontal protocol: same training set as aflw.py, tested on the 1314
# frontal faces of the full test set.
_base_ = ['./aflw.py']

val_dataloader = dict(
    dataset=dict(ann_file='annotations/face_landmarks_aflw_test_frontal.json'))
test_dataloader = dict(
    dataset=dict(ann_file='annotations/face_landmarks_aflw_test_frontal.json'))
