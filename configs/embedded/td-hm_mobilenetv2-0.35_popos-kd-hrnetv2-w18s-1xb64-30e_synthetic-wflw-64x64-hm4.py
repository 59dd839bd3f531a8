# The MobileNetV2 x0.35 student (0.004 GFLOPs, 64x64 crop, 4x4 heatmaps) distilled from the
# synthetic-data HRNetV2-W18-Small demo model (128x128, 8x8 heatmaps). The teacher is fed the
# student's 64x64 crop resized to 128x128 (same face box); its 8x8 maps are resampled to 4x4 at
# the MSRA positions and re-rendered at the student's sigma. The trained checkpoint holds the
# student only: test and export it with the student config.
_base_ = ['./td-hm_mobilenetv2-0.35_popos-1xb64-30e_synthetic-wflw-64x64-hm4.py']

teacher_cfg = 'configs/synthetic/td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py'
teacher_ckpt = 'work_dirs/embedded/teacher_hrnet-w18s/teacher.pth'

# Weights: the raw teacher MSE is ~1% of the ground-truth MultilaterationAnchorLoss (whose anchor
# term averages over peak cells only), so it is scaled up to a comparable share.
model = dict(
    type='HeatmapDistiller',
    teacher_cfg=teacher_cfg,
    teacher_ckpt=teacher_ckpt,
    distill_losses=[
        dict(type='TeacherHeatmapMSELoss', resize_mode='bilinear', loss_weight=20.0),
        dict(type='TeacherDistanceMapLoss', clip_floor=1e-3, loss_weight=0.5),
    ])
