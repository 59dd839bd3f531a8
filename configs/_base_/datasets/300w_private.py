# 300W private test set (600 faces, indoor + outdoor), same train/val as
# 300w.py; only the test dataloader and evaluator change.
_base_ = ['./300w.py']

test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='Face300WDataset',
        data_root='data/300w/',
        data_mode='topdown',
        ann_file='annotations/face_landmarks_300w_test.json',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=[],
    ))
test_evaluator = dict(
    _delete_=True,
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.08, 0.1])
