# The MobileNetV2 x0.5 student trained alone on the first 500 faces of data/synthetic_wflw_160:
# the baseline of the scarce-label distillation experiment (docs/embedded.md). 72 epochs of
# 500 faces at batch 64 = 576 iterations of 64 labelled faces, as the distilled runs
# (16 epochs of 500 + 4000 faces, batches of 64 labelled + 64 unlabelled).
_base_ = ['./td-hm_mobilenetv2-0.5_popos-1xb64-30e_synthetic-wflw-128x128-hm8.py']

train_dataloader = dict(dataset=dict(indices=500))

train_cfg = dict(max_epochs=72, val_interval=72)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=72, milestones=[54, 68], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=72))
