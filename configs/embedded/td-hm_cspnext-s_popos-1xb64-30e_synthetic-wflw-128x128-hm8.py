# CSPNeXt-s (RTMPose's backbone) cut after stage 3 (stride 16, 256 ch): 128x128 crop -> 8x8
# heatmaps (0.17 GFLOPs, 1.2 M parameters; CSPNeXt-m inherits this config).
_base_ = ['./_base_/popos-embedded_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(
        type='POPoSTruncatedBackbone',
        backbone=dict(
            type='CSPNeXt',
            arch='P5',
            expand_ratio=0.5,
            deepen_factor=0.33,
            widen_factor=0.5,
            out_indices=(3, ),
            channel_attention=True,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='SiLU'))),
    head=dict(
        in_channels=256,
        conv_out_channels=(256, )))
