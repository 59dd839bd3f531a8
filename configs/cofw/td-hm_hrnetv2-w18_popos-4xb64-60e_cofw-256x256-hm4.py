# HRNetV2-W18 + POPoSHead on COFW, 256x256 input, 4x4 heatmaps
# (stem strides 4/4 + two stride-2 convs, stages 1-2; 54-channel features). Only what differs from -hm64 is set here.
_base_ = ['./td-hm_hrnetv2-w18_popos-4xb64-60e_cofw-256x256-hm64.py']

heatmap_size = 4
codec = dict(
    type='POPoSHeatmap',
    input_size=(256, 256),
    heatmap_size=(4, 4),
    sigma=2.0,
    decode_mode='popos')

model = dict(
    backbone=dict(heatmap_size=4),
    head=dict(in_channels=54, conv_out_channels=(54, ), decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        rotate_factor=30,
        scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
