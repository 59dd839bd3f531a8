# MobileNetV2 x0.35 cut at stride 16 (layer5, 32 ch): 64x64 crop -> 4x4 heatmaps.
# The smallest member.
_base_ = ['./_base_/popos-embedded_synthetic-wflw-64x64-hm4.py']

model = dict(
    backbone=dict(
        type='TruncatedBackbone',
        backbone=dict(type='MobileNetV2', widen_factor=0.35, out_indices=(4, ))),
    head=dict(
        in_channels=32,
        conv_out_channels=(64, )))
