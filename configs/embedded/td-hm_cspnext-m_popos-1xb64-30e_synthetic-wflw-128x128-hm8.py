# CSPNeXt-m (RTMPose's backbone) cut after stage 3 (stride 16, 384 ch): 128x128 crop -> 8x8
# heatmaps. The upper end of the embedded family (0.50 GFLOPs, 3.5 M parameters).
_base_ = ['./td-hm_cspnext-s_popos-1xb64-30e_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(backbone=dict(deepen_factor=0.67, widen_factor=0.75)),
    head=dict(in_channels=384))
