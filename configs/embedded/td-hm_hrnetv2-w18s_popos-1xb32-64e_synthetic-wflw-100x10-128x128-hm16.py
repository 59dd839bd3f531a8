# Teacher of the 100-label distillation experiment (docs/embedded.md, "Fewer labels"): the 16x16
# HRNetV2-W18-Small POPoS teacher trained on the first 100 faces of data/synthetic_wflw_160 only
# -- the labels its student gets. The 100 faces are repeated 10 times per epoch (mmengine's
# RepeatDataset) so an epoch is 32 iterations at batch 32: 64 epochs = 2048 iterations, the
# compute of the 500-face teacher (...-1xb32-128e_synthetic-wflw-500-...).
_base_ = ['./td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-500-128x128-hm16.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=10,
        dataset=dict(
            type='WFLWDataset',
            data_root={{_base_.data_root}},
            data_mode='topdown',
            ann_file='annotations/face_landmarks_wflw_train.json',
            data_prefix=dict(img='images/'),
            indices=100,
            pipeline={{_base_.train_pipeline}})))

train_cfg = dict(max_epochs=64, val_interval=16)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=64, milestones=[48, 60], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=64))
