# Embedded student on real faces: MobileNetV2 (x1.0) cut at stride 16, its stride-8 and stride-16
# features concatenated at 8x8, POPoSHead, 64x64 crops -> 8x8 heatmaps, 300-W's 1,817 train
# faces (data/300w), from scratch.
# Trained alone: the baseline of the teacher-student comparison in docs/embedded.md.
#   python tools/train.py configs/300w/td-hm_mobilenetv2_popos-1xb32-1200it_300w-64x64-hm8.py
# Same data at equal face passes: ...-1xb64-1200it-...; with teacher pseudo-labels on MTFL's
# unlabelled faces: ...-pl-mtfl-1xb32+32-1200it-.... 300-W is for non-commercial research,
# and so are weights trained with these configs.
_base_ = ['../_base_/default_runtime.py', '../_base_/datasets/300w.py']

# fallback='seed': where the pseudo-range solve is rejected (~0.02 % of landmarks at 8x8), the
# closed-form seed answers instead of grid search + Gauss-Newton; an exported graph runs every
# branch for every landmark, so this makes the in-graph decoder ~2.7x faster (docs/deployment.md)
codec = dict(
    type='POPoSHeatmap', input_size=(64, 64), heatmap_size=(8, 8), sigma=1.5,
    decode_mode='popos', fallback='seed')

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='TruncatedBackbone',
        backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(2, 4))),
    # stride 8 (32 ch, 8x8) + stride 16 (96 ch, 4x4) resized to 8x8: the stride-8 features
    # alone have seen too little of the face, and a deconvolution head would stay float in
    # int8 TFLite (ai-edge-quantizer leaves TRANSPOSE_CONV unquantised)
    neck=dict(type='FeatureMapProcessor', concat=True),
    head=dict(
        type='POPoSHead',
        in_channels=128,
        out_channels=68,
        deconv_out_channels=None,
        conv_out_channels=(128, ),
        conv_kernel_sizes=(1, ),
        loss=dict(
            type='MultilaterationAnchorLoss',
            anchor_weight=1.0,
            mse_weight=1.0,
            use_target_weight=True),
        decoder=codec),
    # an embedded model is measured as deployed: one pass, no flip
    test_cfg=dict(flip_test=False))

# mmpose's face recipe scaled to a 64 px crop (the occluding patch is 10-19 px)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.08,
        shift_prob=0.5,
        scale_factor=(0.8, 1.25),
        rotate_factor=30),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PhotometricDistortion', hue_delta=6),
    dict(
        type='Albumentation',
        transforms=[
            dict(type='Blur', p=0.1),
            dict(type='MedianBlur', p=0.1),
            dict(
                type='CoarseDropout',
                num_holes_range=(1, 1),
                hole_height_range=(10, 19),
                hole_width_range=(10, 19),
                p=0.3),
        ]),
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
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
test_evaluator = dict(
    _delete_=True,
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.1, 0.08])

# Iterations, not epochs: the three arms of the comparison see batches of different sizes
# and sources, so they are matched in steps (1,200 = 21 epochs of 300-W at batch 32, as
# long as the 20-epoch HRNet runs).
# Validation every 300 iterations is only a curve; the last iteration is reported.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1200, val_interval=300)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=1200,
        milestones=[800, 1100],
        gamma=0.1,
        by_epoch=False)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(by_epoch=False, interval=300, save_best=None, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
# one process: no buffers to synchronise
custom_hooks = []
