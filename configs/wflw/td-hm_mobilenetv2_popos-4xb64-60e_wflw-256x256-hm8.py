# MobileNetV2 + POPoSHead on WFLW, 256x256 input, 8x8 heatmaps: the stride-32 features are the
# heatmap grid, no deconvolution. `heatmap_variants` lets `--heatmap-size` reach every size
# with this backbone: deconvolutions up to 64/32/16, a head-side stride-2 block down to 4.
_base_ = ['../wflw_hrnet_popos.py']

heatmap_size = 8
codec = dict(
    type='POPoSHeatmap',
    input_size=(256, 256),
    heatmap_size=(8, 8),
    sigma=2.0,
    decode_mode='popos')

model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.0,
        out_indices=(7, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='mmcls://mobilenet_v2',
        )),
    neck=None,
    head=dict(
        in_channels=1280,
        deconv_out_channels=None,
        conv_out_channels=(256, ),
        conv_kernel_sizes=(1, ),
        decoder=codec))

_head_variant = dict(
    deconv_out_channels=None, deconv_kernel_sizes=None, downsample_out_channels=None)
heatmap_variants = {
    64: dict(model=dict(head=dict(_head_variant, deconv_out_channels=(256, 256, 256),
                                  deconv_kernel_sizes=(4, 4, 4)))),
    32: dict(model=dict(head=dict(_head_variant, deconv_out_channels=(256, 256),
                                  deconv_kernel_sizes=(4, 4)))),
    16: dict(model=dict(head=dict(_head_variant, deconv_out_channels=(256, ),
                                  deconv_kernel_sizes=(4, )))),
    8: dict(model=dict(head=dict(_head_variant))),
    4: dict(model=dict(head=dict(_head_variant, downsample_out_channels=(256, )))),
}

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        rotate_factor=30,
        scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
