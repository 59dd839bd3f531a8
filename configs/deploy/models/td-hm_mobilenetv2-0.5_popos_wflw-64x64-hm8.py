# Small reference model for the deployment tests and benchmark (not a model-zoo entry):
# MobileNetV2 (widen 0.5) to stride 16, one deconv to 8x8 heatmaps, 64x64 input, WFLW 98 points.
_base_ = ['../../_base_/default_runtime.py', '../../_base_/datasets/wflw.py']

train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[20], gamma=0.1, by_epoch=True)]

# The decoder for a graph next to a small network (docs/deployment.md, "Decoder latency"):
# the monotone anchor mask instead of the Cauchy pass and the fixed-width fallback.
codec = dict(
    type='POPoSHeatmap',
    input_size=(64, 64),
    heatmap_size=(8, 8),
    sigma=1.5,
    decode_mode='popos',
    anchor_mask='monotone',
    robust_iters=0,
    fallback='width')

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    # out_indices=(3, ): the end of layer4, 32 channels at stride 16 (4x4 at 64 input).
    backbone=dict(
        type='MobileNetV2', widen_factor=0.5, out_indices=(3, ), init_cfg=None),
    head=dict(
        type='POPoSHead',
        in_channels=32,
        out_channels=98,
        deconv_out_channels=(64, ),
        deconv_kernel_sizes=(4, ),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=False))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomBBoxTransform', shift_prob=0, rotate_factor=15,
         scale_factor=(0.9, 1.1)),
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
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
test_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
