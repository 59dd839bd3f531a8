# MobileNetV2 x0.5 cut at stride 16 (layer5, 48 ch): 128x128 crop -> 8x8 heatmaps. The embedded target model.
_base_ = ['./_base_/popos-embedded_synthetic-wflw.py']

codec = dict(
    type='POPoSHeatmap',
    input_size=(128, 128),
    heatmap_size=(8, 8),
    sigma=1.5,
    decode_mode='popos')

model = dict(
    backbone=dict(
        type='POPoSTruncatedBackbone',
        backbone=dict(type='MobileNetV2', widen_factor=0.5, out_indices=(4, ))),
    head=dict(
        in_channels=48,
        conv_out_channels=(96, ),
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
