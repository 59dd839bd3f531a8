# WFLW (98 points) dataset fragment for popos model configs.
#
# Usage in a model config (pipelines depend on the codec, so the model config
# supplies them; lists replace, dicts merge):
#   _base_ = ['../_base_/datasets/wflw.py']
#   train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
#   val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
#   test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
# Layout and preparation: docs/datasets.md.
#
# mmpose's {Dataset}.METAINFO is the *relative* path
# 'configs/_base_/datasets/wflw.py', which resolves to this file when the
# working directory is the popos repo; inheriting mmpose's metainfo file keeps
# `dataset_info` correct in both places.
_base_ = ['mmpose::_base_/datasets/wflw.py']
#
# val = the full test set (2500 faces, as mmpose/HRNet); test adds the six
# WFLW subsets. NME is inter-ocular (outer eye corners 60, 72).
dataset_type = 'WFLWDataset'
data_mode = 'topdown'
data_root = 'data/wflw/'

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/face_landmarks_wflw_train.json',
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
        ann_file='annotations/face_landmarks_wflw_test.json',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=[],
    ))
test_dataloader = val_dataloader

wflw_test_subsets = dict(
    pose=f'{data_root}annotations/face_landmarks_wflw_test_largepose.json',
    expression=f'{data_root}annotations/'
    'face_landmarks_wflw_test_expression.json',
    illumination=f'{data_root}annotations/'
    'face_landmarks_wflw_test_illumination.json',
    makeup=f'{data_root}annotations/face_landmarks_wflw_test_makeup.json',
    occlusion=f'{data_root}annotations/'
    'face_landmarks_wflw_test_occlusion.json',
    blur=f'{data_root}annotations/face_landmarks_wflw_test_blur.json',
)
val_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
test_evaluator = dict(
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.1],
    subsets=wflw_test_subsets)
