# Stock-head baseline on real 300-W faces: the network, data, augmentation and schedule of
# td-hm_hrnetv2-w18s_popos-1xb32-20e_300w-128x128-hm8.py with mmpose's HeatmapHead,
# KeypointMSELoss and the DARK codec (MSRAHeatmap, unbiased). `--heatmap-size 32|16|4` as there.
_base_ = ['./td-hm_hrnetv2-w18s_popos-1xb32-20e_300w-128x128-hm8.py']

dark_codec = dict(
    type='MSRAHeatmap',
    input_size=(128, 128),
    heatmap_size=(8, 8),
    sigma=1.5,
    unbiased=True)
codec = dict(_delete_=True, **dark_codec)

model = dict(
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=270,
        out_channels=68,
        deconv_out_channels=None,
        conv_out_channels=(270, ),
        conv_kernel_sizes=(1, ),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=dark_codec),
    test_cfg=dict(
        _delete_=True, flip_test=True, flip_mode='heatmap', shift_heatmap=True))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.08,
        shift_prob=0.5,
        scale_factor=(0.8, 1.25),
        rotate_factor=30),
    dict(type='TopdownAffine', input_size=dark_codec['input_size']),
    dict(type='PhotometricDistortion', hue_delta=6),
    dict(
        type='Albumentation',
        transforms=[
            dict(type='Blur', p=0.1),
            dict(type='MedianBlur', p=0.1),
            dict(
                type='CoarseDropout',
                num_holes_range=(1, 1),
                hole_height_range=(20, 38),
                hole_width_range=(20, 38),
                p=0.3),
        ]),
    dict(type='GenerateTarget', encoder=dark_codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
