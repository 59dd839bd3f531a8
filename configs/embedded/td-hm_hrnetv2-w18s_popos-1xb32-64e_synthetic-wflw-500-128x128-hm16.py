# Teacher for the scarce-label distillation experiment (docs/embedded.md): the synthetic-data
# HRNetV2-W18-Small POPoS model at 16x16 heatmaps (output stride 8, 0.088 GFLOPs), trained on
# the first 500 faces of data/synthetic_wflw_160 only -- the same labels its student gets.
# 64 epochs of 500 faces at batch 32 = 1024 iterations.
_base_ = ['../synthetic/td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py']

data_root = 'data/synthetic_wflw_160/'
heatmap_size = 16
codec = dict(
    type='POPoSHeatmap',
    input_size=(128, 128),
    heatmap_size=(16, 16),
    sigma=1.5,
    decode_mode='popos')

model = dict(backbone=dict(heatmap_size=heatmap_size), head=dict(decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_prob=0, rotate_factor=30, scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    dataset=dict(data_root=data_root, indices=500, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=64, val_interval=64)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=64, milestones=[48, 60], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=64))
randomness = dict(seed=0)
