# MobileNetV2 x0.35 cut at stride 16 (layer5, 32 ch): 64x64 crop -> 4x4 heatmaps. The smallest member.
_base_ = ['./_base_/popos-embedded_synthetic-wflw.py']

codec = dict(
    type='POPoSHeatmap',
    input_size=(64, 64),
    heatmap_size=(4, 4),
    sigma=1.0,
    decode_mode='popos')

model = dict(
    backbone=dict(
        type='POPoSTruncatedBackbone',
        backbone=dict(type='MobileNetV2', widen_factor=0.35, out_indices=(4, ))),
    head=dict(
        in_channels=32,
        conv_out_channels=(64, ),
        decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_prob=0, rotate_factor=30, scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
