# ICME 2024 51-point (ivslab) dataset fragment for popos model configs.
#
# Usage in a model config (pipelines depend on the codec, so the model config
# supplies them; lists replace, dicts merge):
#   _base_ = ['../_base_/datasets/ivslab51.py']
#   train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
#   val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
#   test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
# Layout and preparation: docs/datasets.md.
#
# The 68-point markup without the jaw. Images + .pts files are converted
# with tools/dataset_converters/pts_to_coco.py; Face51Dataset defaults its
# own metainfo (popos/metainfo/face51.py), so no metainfo entry is needed.
# NME is inter-ocular (outer eye corners 19, 28).
custom_imports = dict(imports=['popos'], allow_failed_imports=False)
dataset_type = 'Face51Dataset'
data_mode = 'topdown'
data_root = 'data/ivslab51/'

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/ivslab51_train.json',
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
        ann_file='annotations/ivslab51_val.json',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=[],
    ))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
test_evaluator = val_evaluator
