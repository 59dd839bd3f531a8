# The MobileNetV2 x0.5 student trained alone on the first 500 faces of data/synthetic_wflw_160:
# the baseline of the scarce-label distillation experiment (docs/embedded.md). 142 epochs of
# 500 faces at batch 64 = 1136 iterations, the length of the distilled run
# (16 epochs of 500 + 4000 faces).
_base_ = ['./td-hm_mobilenetv2-0.5_popos-1xb64-30e_synthetic-wflw-128x128-hm8.py']

train_dataloader = dict(dataset=dict(indices=500))

train_cfg = dict(max_epochs=142, val_interval=142)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=142, milestones=[107, 134], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=142))
