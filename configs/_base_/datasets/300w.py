# 300W (68 points) dataset fragment for popos model configs.
#
# Usage in a model config (pipelines depend on the codec, so the model config
# supplies them; lists replace, dicts merge):
#   _base_ = ['../_base_/datasets/300w.py']
#   train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
#   val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
#   test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
# Layout and preparation: docs/datasets.md.
#
# mmpose's {Dataset}.METAINFO is the *relative* path
# 'configs/_base_/datasets/300w.py', which resolves to this file when the
# working directory is the popos repo; inheriting mmpose's metainfo file keeps
# `dataset_info` correct in both places.
_base_ = ['mmpose::_base_/datasets/300w.py']
#
# train = 3148 faces; val/test = the full public test set (689 faces =
# common 554 + challenge 135); the test evaluator also reports the two
# subsets. For the 600-face private test set use 300w_private.py.
# NME is inter-ocular (outer eye corners 36, 45).
dataset_type = 'Face300WDataset'
data_mode = 'topdown'
data_root = 'data/300w/'

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/face_landmarks_300w_train.json',
        data_prefix=dict(img='images/'),
        pipeline=[],
    ))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/face_landmarks_300w_valid.json',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=[],
    ))
test_dataloader = val_dataloader

face300w_test_subsets = dict(
    common=f'{data_root}annotations/face_landmarks_300w_valid_common.json',
    challenge=f'{data_root}annotations/'
    'face_landmarks_300w_valid_challenge.json',
)
val_evaluator = dict(
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.08, 0.1])
test_evaluator = dict(
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.08, 0.1],
    subsets=face300w_test_subsets)
