# The student alone on the 500 labelled faces, trained to convergence: 288 epochs at batch 64
# (2304 iterations, ~147 k face passes -- the compute of the 32-epoch distilled students).
_base_ = ['./td-hm_mobilenetv2-0.5_popos-1xb64-72e_synthetic-wflw-500-128x128-hm8.py']

train_cfg = dict(max_epochs=288, val_interval=36)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=288, milestones=[216, 272], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=288))
