# As ...-kd-pl-...-500-... (same batches, teacher on the unlabelled faces only) but with the
# soft teacher terms (heatmap MSE + distance maps on the anchors) instead of pseudo-labels: the
# comparison of the two kinds of teacher signal.
_base_ = ['./td-hm_mobilenetv2-0.5_popos-kd-pl-hrnetv2-w18s-hm16-unlabelled-1xb128-16e_synthetic-wflw-500-128x128-hm8.py']

model = dict(distill_losses=[
    dict(type='TeacherHeatmapMSELoss', resize_mode='bilinear', loss_weight=20.0),
    dict(type='TeacherDistanceMapLoss', clip_floor=1e-3, loss_weight=0.5),
])
