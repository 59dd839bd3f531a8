# HRNetV2-W18-Small (1 module per stage, 2 blocks per branch, 32-channel stem bottleneck) as
# POPoSHRNet + POPoSHead at a 128x128 crop, 8x8 heatmaps (other sizes: --heatmap-size), trained
# from scratch (no ImageNet weights are downloaded): codec, model and test pipeline shared by the
# synthetic demo and the real 300-W configs, which add their data, head width and train pipeline.
heatmap_size = 8
codec = dict(
    type='POPoSHeatmap',
    input_size=(128, 128),
    heatmap_size=(8, 8),
    sigma=1.5,
    decode_mode='popos')

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='LowResHRNet',
        heatmap_size=8,
        input_size=128,
        in_channels=3,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(2, ),
                num_channels=(32, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(2, 2),
                num_channels=(18, 36)),
            stage3=dict(
                num_modules=1,
                num_branches=3,
                block='BASIC',
                num_blocks=(2, 2, 2),
                num_channels=(18, 36, 72)),
            stage4=dict(
                num_modules=1,
                num_branches=4,
                block='BASIC',
                num_blocks=(2, 2, 2, 2),
                num_channels=(18, 36, 72, 144),
                multiscale_output=True),
            upsample=dict(mode='bilinear', align_corners=False)),
        init_cfg=None),
    neck=dict(type='FeatureMapProcessor', concat=True),
    head=dict(
        type='POPoSHead',
        in_channels=270,
        out_channels=98,
        deconv_out_channels=None,
        conv_out_channels=(270, ),
        conv_kernel_sizes=(1, ),
        loss=dict(
            type='MultilaterationAnchorLoss',
            anchor_weight=1.0,
            mse_weight=1.0,
            use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', flip_shift='exact'))

val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
