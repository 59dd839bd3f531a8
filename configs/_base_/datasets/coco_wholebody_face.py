# COCO-WholeBody-Face (68 points) dataset fragment for popos model configs.
#
# Usage in a model config (pipelines depend on the codec, so the model config
# supplies them; lists replace, dicts merge):
#   _base_ = ['../_base_/datasets/coco_wholebody_face.py']
#   train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
#   val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
#   test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
# Layout and preparation: docs/datasets.md.
#
# mmpose's {Dataset}.METAINFO is the *relative* path
# 'configs/_base_/datasets/coco_wholebody_face.py', which resolves to this file when the
# working directory is the popos repo; inheriting mmpose's metainfo file keeps
# `dataset_info` correct in both places.
_base_ = ['mmpose::_base_/datasets/coco_wholebody_face.py']
#
# The face part of COCO-WholeBody v1.0 (train2017 / val2017 images). NME is
# inter-ocular (36, 45), as mmpose.
dataset_type = 'CocoWholeBodyFaceDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/coco_wholebody_train_v1.0.json',
        data_prefix=dict(img='train2017/'),
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
        ann_file='annotations/coco_wholebody_val_v1.0.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=[],
    ))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
test_evaluator = val_evaluator
