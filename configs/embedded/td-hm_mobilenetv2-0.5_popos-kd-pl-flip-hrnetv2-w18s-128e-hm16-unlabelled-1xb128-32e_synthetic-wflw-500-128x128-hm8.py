# Pseudo-label distillation with a better teacher: the 128-epoch 16x16 HRNet teacher
# (td-hm_hrnetv2-w18s_popos-1xb32-128e_synthetic-wflw-500-128x128-hm16.py) teaching with its
# flip-test maps (teacher_flip=True), 32 epochs of 64 labelled + 64 unlabelled faces (1152
# iterations) -- the compute of the student alone for 288 epochs of the 500 labelled faces.
_base_ = ['./td-hm_mobilenetv2-0.5_popos-kd-pl-hrnetv2-w18s-hm16-unlabelled-1xb128-16e_'
          'synthetic-wflw-500-128x128-hm8.py']

teacher_cfg = 'configs/embedded/td-hm_hrnetv2-w18s_popos-1xb32-128e_synthetic-wflw-500-128x128-hm16.py'
# `tools/train.py <teacher_cfg>` writes it here (its default work dir)
teacher_ckpt = 'work_dirs/td-hm_hrnetv2-w18s_popos-1xb32-128e_synthetic-wflw-500-128x128-hm16/epoch_128.pth'

model = dict(teacher_cfg=teacher_cfg, teacher_ckpt=teacher_ckpt, teacher_flip=True)

train_cfg = dict(max_epochs=32, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=32, milestones=[24, 30], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=32))
