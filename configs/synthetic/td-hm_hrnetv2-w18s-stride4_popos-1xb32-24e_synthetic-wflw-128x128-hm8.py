# The demo model's 8x8 heatmaps from a full-resolution network: HRNetV2-W18-Small at output
# stride 4 (its 32x32 features, as the 32x32 DARK reference of docs/compare_heads.md), brought
# to 8x8 by the head's two stride-2 conv blocks (downsample_out_channels, 128 channels, so that
# the whole model, 0.341 GFLOPs, costs what the 32x32 DARK model costs, 0.352). Separates what
# the 8x8 heatmap costs from what the smaller stride-16 network (0.023 GFLOPs) costs.
_base_ = ['./td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(heatmap_size=32),
    head=dict(in_channels=270, downsample_out_channels=(128, 128), conv_out_channels=(128, )))
