# Stock-head baseline: the same network and data as td-hm_hrnetv2-w18_popos-4xb64-60e_wflw-256x256-hm8.py,
# with mmpose's HeatmapHead, KeypointMSELoss and the DARK codec (MSRAHeatmap, unbiased).
_base_ = ['./td-hm_hrnetv2-w18_popos-4xb64-60e_wflw-256x256-hm8.py']

dark_codec = dict(
    type='MSRAHeatmap',
    input_size=(256, 256),
    heatmap_size=(8, 8),
    sigma=2.0,
    unbiased=True)
# replaces (not merges into) the POPoS codec of the base
codec = dict(_delete_=True, **dark_codec)

model = dict(
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=126,
        out_channels=98,
        deconv_out_channels=None,
        conv_out_channels=(126, ),
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
        shift_prob=0,
        rotate_factor=30,
        scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=dark_codec['input_size']),
    dict(type='GenerateTarget', encoder=dark_codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
