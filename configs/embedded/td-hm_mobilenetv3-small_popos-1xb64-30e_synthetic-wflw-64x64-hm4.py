# MobileNetV3-Small cut at stride 16 (block 7, 48 ch): 64x64 crop -> 4x4 heatmaps.
_base_ = ['./_base_/popos-embedded_synthetic-wflw-64x64-hm4.py']

model = dict(
    backbone=dict(
        type='TruncatedBackbone',
        backbone=dict(type='MobileNetV3', arch='small', out_indices=(7, ))),
    head=dict(
        in_channels=48,
        conv_out_channels=(96, )))
