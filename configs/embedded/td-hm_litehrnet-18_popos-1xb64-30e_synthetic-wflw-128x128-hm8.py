# LiteHRNet-18 (stride-4 output, 40 ch) + two head-side stride-2 conv blocks: 128x128 crop -> 8x8 heatmaps.
_base_ = ['./_base_/popos-embedded_synthetic-wflw-128x128-hm8.py']

model = dict(
    backbone=dict(
        type='LiteHRNet',
        in_channels=3,
        extra=dict(
            stem=dict(stem_channels=32, out_channels=32, expand_ratio=1),
            num_stages=3,
            stages_spec=dict(
                num_modules=(2, 4, 2),
                num_branches=(2, 3, 4),
                num_blocks=(2, 2, 2),
                module_type=('LITE', 'LITE', 'LITE'),
                with_fuse=(True, True, True),
                reduce_ratios=(8, 8, 8),
                num_channels=((40, 80), (40, 80, 160), (40, 80, 160, 320))),
            with_head=True)),
    head=dict(
        in_channels=40,
        downsample_out_channels=(64, 128),
        conv_out_channels=(128, )))
