# MobileNetV2 x0.5 cut at stride 16 (layer5, 48 ch): 128x128 crop -> 8x8 heatmaps.
# The embedded target model.
_base_ = ['./_base_/popos-embedded_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(
        type='TruncatedBackbone',
        backbone=dict(type='MobileNetV2', widen_factor=0.5, out_indices=(4, ))),
    head=dict(
        in_channels=48,
        conv_out_channels=(96, )))
