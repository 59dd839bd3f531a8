# HRNetV2-W18 + POPoSHead on 300W, 256x256 input, 32x32 heatmaps
# (stem strides 4/2, all four stages; 270-channel features). Only what differs from -hm64 is set here.
_base_ = ['./td-hm_hrnetv2-w18_popos-4xb64-60e_300w-256x256-hm64.py']

heatmap_size = 32
codec = dict(
    type='POPoSHeatmap',
    input_size=(256, 256),
    heatmap_size=(32, 32),
    sigma=2.0,
    decode_mode='popos')

model = dict(
    backbone=dict(heatmap_size=32),
    head=dict(in_channels=270, conv_out_channels=(270, ), decoder=codec))

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
