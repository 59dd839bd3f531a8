# Real faces: HRNetV2-W18-Small + POPoSHead on the 300-W faces of ../shared/data/300w
# (1,817 train / 195 val faces, linked as data/300w), 128x128 crops, 8x8 heatmaps.
# Other sizes of the same network: `--heatmap-size 32|16|4` (stride-4 map = 32x32 at 128 px).
# The stock-head baseline is td-hm_hrnetv2-w18s_dark-1xb32-20e_300w-128x128-hm8.py.
# Trained on one CPU thread; results and commands: docs/real_faces.md. 300-W is for
# non-commercial research, and so are weights trained with this config.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/adam-60e.py',
    '../_base_/datasets/300w.py', '../_base_/models/td-hm_hrnetv2-w18s_popos-128x128-hm8.py'
]

model = dict(head=dict(out_channels=68))

# mmpose's face recipe for real photos: flip with the 68-point pairs, box shift/scale/rotation
# (so detector boxes work, not only boxes from the landmarks), photometric distortion,
# blur and one occluding patch.
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

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='FaceLandmarkMetric', norm_mode='inter_ocular', thresholds=[0.1])
# the 195 val faces have no common/challenge subset files: no subsets here
test_evaluator = dict(
    _delete_=True,
    type='FaceLandmarkMetric',
    norm_mode='inter_ocular',
    thresholds=[0.1, 0.08])

# A third of the face recipe's 60 epochs (the CPU budget: the 32x32 map costs 3 s per batch
# on one thread), batch 32 on one process, the recipe's decay points in proportion.
# Validation every 5 epochs is only a curve: the reported model is the last epoch (the val
# faces are also the reported faces, so no best-checkpoint selection on them).
train_cfg = dict(max_epochs=20, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=20,
        milestones=[13, 18],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(save_best=None, interval=5, max_keep_ckpts=1))
