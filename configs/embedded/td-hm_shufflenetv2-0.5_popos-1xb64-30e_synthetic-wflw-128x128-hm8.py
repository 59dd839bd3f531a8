# ShuffleNetV2 x0.5 cut at stride 16 (stage 2, 96 ch): 128x128 crop -> 8x8 heatmaps.
_base_ = ['./_base_/popos-embedded_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(
        type='POPoSTruncatedBackbone',
        backbone=dict(type='ShuffleNetV2', widen_factor=0.5, out_indices=(1, ))),
    head=dict(
        in_channels=96,
        conv_out_channels=(128, )))
