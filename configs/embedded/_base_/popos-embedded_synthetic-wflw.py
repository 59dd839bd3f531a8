# Shared base of the embedded POPoS family (configs/embedded/*): small crops (64-128 px), 8x8 or 4x4
# heatmaps, CPU-sized schedule, synthetic faces in the WFLW layout (98 points).
#
# Data: `tools/dataset_converters/make_synthetic_faces.py --layout wflw --num-train 2000
# --num-test 250 --image-size 160 --seed 0 --out data/synthetic_wflw_160` (same file layout as
# real WFLW: point data_root at data/wflw/ to train on the real set). The codec and the two
# pipelines that embed it live in one base per input/heatmap size
# (popos-embedded_synthetic-wflw-128x128-hm8.py, -64x64-hm4.py); the model configs inherit one of
# those and pick the backbone and head channels.
_base_ = [
    '../../_base_/default_runtime.py', '../../_base_/schedules/adam-60e.py',
    '../../_base_/datasets/wflw.py'
]

# `import popos` registers TruncatedBackbone, PrunedTopdownPoseEstimator and the distiller.
custom_imports = dict(imports=['popos'], allow_failed_imports=False)

data_root = 'data/synthetic_wflw_160/'

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    head=dict(
        type='POPoSHead',
        out_channels=98,
        deconv_out_channels=None,
        conv_kernel_sizes=(1, ),
        loss=dict(
            type='MultilaterationAnchorLoss',
            anchor_weight=1.0,
            mse_weight=1.0,
            use_target_weight=True)),
    # flip test doubles the cost; an embedded model is measured as deployed (one pass)
    test_cfg=dict(flip_test=False))

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
# synthetic data has no WFLW subset files (the wflw base's test_evaluator lists them)
test_evaluator = dict(
    _delete_=True,
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.1])

# 30 epochs of 2000 faces at batch 64 (~940 iterations): a CPU-sized schedule.
train_cfg = dict(max_epochs=30, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=30,
        milestones=[22, 28],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(save_best='NME', rule='less', interval=10, max_keep_ckpts=1))
# one process: no buffers to synchronise
custom_hooks = []
randomness = dict(seed=0)
