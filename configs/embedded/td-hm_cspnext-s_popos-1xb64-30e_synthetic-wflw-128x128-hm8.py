# CSPNeXt-s (RTMPose's backbone) cut after stage 3 (stride 16, 256 ch): 128x128 crop -> 8x8
# heatmaps. The upper end of the embedded family (0.17 GFLOPs, 1.1 M backbone params).
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
        backbone=dict(
            type='CSPNeXt',
            arch='P5',
            expand_ratio=0.5,
            deepen_factor=0.33,
            widen_factor=0.5,
            out_indices=(3, ),
            channel_attention=True,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='SiLU'))),
    head=dict(
        in_channels=256,
        conv_out_channels=(256, ),
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
