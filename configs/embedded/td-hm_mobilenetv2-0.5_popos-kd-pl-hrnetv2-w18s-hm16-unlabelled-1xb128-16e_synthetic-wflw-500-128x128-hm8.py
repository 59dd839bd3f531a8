# Scarce labels (docs/embedded.md): the MobileNetV2 x0.5 student (8x8) on 500 labelled faces plus
# 4000 faces without landmarks, taught by the 16x16 HRNet teacher trained on the same 500
# (td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-500-128x128-hm16.py). Teacher term:
# TeacherPseudoLabelLoss -- the teacher's maps decoded by POPoS, redrawn as the student's own
# 8x8 Gaussians and scored with the student's own loss -- on the unlabelled faces only
# (distill_keypoints='unlabelled'): the labelled ones learn from their labels, as alone. Every
# batch holds 64 labelled + 64 unlabelled faces (mmpose's MultiSourceSampler), so the student
# sees the labelled faces exactly as often as the baseline trained alone
# (td-hm_mobilenetv2-0.5_popos-1xb64-72e_synthetic-wflw-500-128x128-hm8.py, 576 iterations of 64
# labelled faces); 16 epochs of 4500 faces at batch 128 = 576 iterations.
_base_ = ['./td-hm_mobilenetv2-0.5_popos-kd-hrnetv2-w18s-unlabelled-1xb64-30e_synthetic-wflw-128x128-hm8.py']

teacher_cfg = 'configs/embedded/td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-500-128x128-hm16.py'
# `tools/train.py <teacher_cfg>` writes it here (its default work dir)
teacher_ckpt = 'work_dirs/td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-500-128x128-hm16/epoch_64.pth'

model = dict(
    teacher_cfg=teacher_cfg,
    teacher_ckpt=teacher_ckpt,
    distill_keypoints='unlabelled',
    distill_losses=[dict(type='TeacherPseudoLabelLoss', loss_weight=1.0)])

# the labelled set is cut to its first 500 faces (a list is replaced whole, so both are restated)
train_dataloader = dict(
    batch_size=128,
    sampler=dict(type='MultiSourceSampler', batch_size=128, source_ratio=[1, 1], shuffle=True),
    dataset=dict(datasets=[
        dict(
            type='WFLWDataset',
            data_root={{_base_.data_root}},
            data_mode='topdown',
            ann_file='annotations/face_landmarks_wflw_train.json',
            data_prefix=dict(img='images/'),
            indices=500,
            pipeline=[]),
        dict(
            type='UnlabelledFaceDataset',
            metainfo={{_base_.metainfo}},
            data_root={{_base_.unlabelled_root}},
            ann_file='annotations/face_landmarks_wflw_train.json',
            data_prefix=dict(img='images/'),
            pipeline=[]),
    ]))

train_cfg = dict(max_epochs=16, val_interval=16)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=16, milestones=[12, 15], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=16))
