# The MobileNetV2 x0.5 student (0.025 GFLOPs, 8x8 heatmaps) distilled from the synthetic-data
# HRNetV2-W18-Small demo model (128x128, 8x8): ground-truth losses + teacher heatmap MSE +
# Gaussian-inverse distance maps on the anchors. The trained checkpoint holds the student only:
# test and export it with the student config (td-hm_mobilenetv2-0.5_popos-1xb64-30e_...).
_base_ = ['./td-hm_mobilenetv2-0.5_popos-1xb64-30e_synthetic-wflw-128x128-hm8.py']

teacher_cfg = 'configs/synthetic/td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py'
# `tools/train.py <teacher_cfg> --work-dir work_dirs/embedded/teacher_hrnet-w18s`, best
# checkpoint copied to this path (see docs/embedded.md)
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
