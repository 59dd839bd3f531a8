# The MobileNetV2 x0.5 student alone on the first 100 faces of data/synthetic_wflw_160 (the
# baseline of "Fewer labels", docs/embedded.md). The 100 faces are repeated 32 times per epoch
# (RepeatDataset): 50 iterations of 64 faces, 32 epochs = 1600 iterations = 102 k face passes,
# at least the compute of the distilled student (...-kd-pl-flip-...-24e_synthetic-wflw-100-...,
# 792 iterations of 64 labelled + 64 unlabelled faces); it sees the labelled faces twice as often.
_base_ = ['./td-hm_mobilenetv2-0.5_popos-1xb64-30e_synthetic-wflw-128x128-hm8.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=32,
        dataset=dict(
            type='WFLWDataset',
            data_root={{_base_.data_root}},
            data_mode='topdown',
            ann_file='annotations/face_landmarks_wflw_train.json',
            data_prefix=dict(img='images/'),
            indices=100,
            pipeline={{_base_.train_pipeline}})))

train_cfg = dict(max_epochs=32, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=32, milestones=[24, 30], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=32))
