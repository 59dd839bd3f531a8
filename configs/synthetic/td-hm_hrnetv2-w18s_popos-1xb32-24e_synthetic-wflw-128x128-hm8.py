# The offline main job (`make demo`): POPoS on synthetic faces in the WFLW layout, CPU-sized.
#
# Model: HRNetV2-W18-Small (1 module per stage, 2 blocks per branch, 32-channel stem
# bottleneck) as POPoSHRNet at output stride 16 -> 8x8 heatmaps from a 128x128 crop, i.e. the
# low-resolution regime POPoS is for. Data: `make_synthetic_faces.py --layout wflw` output in
# data/synthetic_wflw (same files as real WFLW: change data_root to train on the real set).
# 0.023 GFLOPs, 1.96 M parameters (tools/analysis/get_flops.py); 24 epochs of 2000 faces took
# 8 min 49 s with test on 2 CPU cores (README).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/adam-60e.py',
    '../_base_/datasets/wflw.py', '../_base_/models/td-hm_hrnetv2-w18s_popos-128x128-hm8.py'
]

data_root = 'data/synthetic_wflw/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        rotate_factor=30,
        scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs')
]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
# CED plot and per-landmark table go to the test work dir.
# (the WFLW subsets are evaluated with configs/_base_/datasets/wflw.py's test_evaluator)
test_evaluator = dict(
    _delete_=True,
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.1, 0.08],
    out_dir='auto')

train_cfg = dict(max_epochs=24, val_interval=8)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=24,
        milestones=[16, 21],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(save_best='NME', rule='less', interval=8, max_keep_ckpts=1))
