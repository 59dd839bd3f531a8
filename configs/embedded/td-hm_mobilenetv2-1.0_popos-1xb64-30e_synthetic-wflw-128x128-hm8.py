# MobileNetV2 x1.0 cut at stride 16 (layer5, 96 ch): 128x128 crop -> 8x8 heatmaps.
_base_ = ['./_base_/popos-embedded_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(
        type='POPoSTruncatedBackbone',
        backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(4, ))),
    head=dict(
        in_channels=96,
        conv_out_channels=(256, )))
