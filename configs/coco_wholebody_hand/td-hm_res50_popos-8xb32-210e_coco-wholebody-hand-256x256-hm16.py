# ResNet-50 (SimpleBaseline) + POPoSHead on COCO-WholeBody-Hand (21 keypoints), 256x256 crops,
# 16x16 heatmaps.
#
# A diff over mmpose's stock config: only the codec, the head and the one pipeline that holds a
# copy of the codec change; data, schedule, evaluators (PCK@0.2, AUC, EPE) and hooks are
# mmpose's. OneHand10K / RHD / FreiHAND: the same lines over their stock res50 configs.
# `--heatmap-size 64/32/16/8/4` picks the map size (heatmap_variants).
# Pretrained ImageNet weights: the stock `init_cfg` (torchvision://resnet50) is kept; offline
# runs pass `--cfg-options model.backbone.init_cfg=None`.
_base_ = [
    'mmpose::hand_2d_keypoint/topdown_heatmap/coco_wholebody_hand/'
    'td-hm_res50_8xb32-210e_coco-wholebody-hand-256x256.py'
]

custom_imports = dict(imports=['popos'], allow_failed_imports=False)

codec = dict(
    type='POPoSHeatmap', input_size=(256, 256), heatmap_size=(16, 16), sigma=2.0,
    decode_mode='popos')

model = dict(
    head=dict(
        type='POPoSHead',
        # ResNet-50 gives 8x8 features (stride 32): one deconvolution makes 16x16 maps
        # (the stock head's three make 64x64).
        deconv_out_channels=(256, ),
        deconv_kernel_sizes=(4, ),
        loss=dict(type='MultilaterationAnchorLoss', use_target_weight=True),
        # _delete_: the stock decoder (MSRAHeatmap) must not leave keys behind
        decoder=dict(codec, _delete_=True)),
    # POPoSHead aligns flipped maps by the exact sub-pixel shift (mmpose's is one pixel)
    test_cfg=dict(flip_shift='exact'))

# The stock train pipeline holds its own copy of the stock codec: restate it with ours.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(
        type='RandomBBoxTransform', rotate_factor=180,
        scale_factor=(0.7, 1.3)),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# `--heatmap-size N` merges heatmap_variants[N] into the model: the number of deconvolutions
# sets the map size on this stride-32 backbone; 4 adds a stride-2 block.
heatmap_size = 16
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
