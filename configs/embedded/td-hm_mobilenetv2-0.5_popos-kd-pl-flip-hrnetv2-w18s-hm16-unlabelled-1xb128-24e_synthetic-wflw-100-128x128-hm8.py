# "Fewer labels" (docs/embedded.md): the MobileNetV2 x0.5 student on 100 labelled faces plus the
# 4000 faces without landmarks, taught by the 16x16 HRNet teacher trained on the same 100
# (td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-100x10-128x128-hm16.py) with its flip-test
# maps, pseudo-labels on the unlabelled faces only. Batches of 64 labelled + 64 unlabelled faces;
# an epoch is 4100 faces (33 iterations), 24 epochs = 792 iterations = 101 k face passes, the
# compute of the student alone (td-hm_mobilenetv2-0.5_popos-1xb64-32e_synthetic-wflw-100x32-...).
_base_ = ['./td-hm_mobilenetv2-0.5_popos-kd-pl-flip-hrnetv2-w18s-128e-hm16-unlabelled-1xb128-32e_'
          'synthetic-wflw-500-128x128-hm8.py']

teacher_cfg = 'configs/embedded/td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-100x10-128x128-hm16.py'
# `tools/train.py <teacher_cfg>` writes it here (its default work dir)
teacher_ckpt = 'work_dirs/td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-100x10-128x128-hm16/epoch_64.pth'

model = dict(teacher_cfg=teacher_cfg, teacher_ckpt=teacher_ckpt)

# a list is replaced whole, so both sources are restated
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(
            type='WFLWDataset',
            data_root={{_base_.data_root}},
            data_mode='topdown',
            ann_file='annotations/face_landmarks_wflw_train.json',
            data_prefix=dict(img='images/'),
            indices=100,
            pipeline=[]),
        dict(
            type='UnlabelledFaceDataset',
            metainfo={{_base_.metainfo}},
            data_root={{_base_.unlabelled_root}},
            ann_file='annotations/face_landmarks_wflw_train.json',
            data_prefix=dict(img='images/'),
            pipeline=[]),
    ]))

train_cfg = dict(max_epochs=24, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=24, milestones=[18, 22], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=24))
