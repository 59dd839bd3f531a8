# 128x128 crop -> 8x8 heatmaps (stride 16): the codec and the pipelines that embed it, shared by
# the embedded configs of this input/heatmap size (a child only picks the backbone and the head's
# channels; a child that changes the codec must restate the pipelines).
_base_ = ['./popos-embedded_synthetic-wflw.py']

codec = dict(
    type='POPoSHeatmap',
    input_size=(128, 128),
    heatmap_size=(8, 8),
    sigma=1.5,
    decode_mode='popos')

model = dict(head=dict(decoder=codec))

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
