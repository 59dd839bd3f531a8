# The shipped real-face models: td-hm_hrnetv2-w18s_popos-1xb32-20e_300w-128x128-hm8.py with the
# box shifted on every training face by up to 16 % of its size (instead of 8 % on half of
# them), so that a face detector's box - whose centre scatters by ~9 % of its width around
# the landmark box on 300-W (tools/analysis/benchmark_detectors.py) - costs little accuracy.
_base_ = ['./td-hm_hrnetv2-w18s_popos-1xb32-20e_300w-128x128-hm8.py']

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.16,
        shift_prob=1.0,
        scale_factor=(0.8, 1.25),
        rotate_factor=30),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
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
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
