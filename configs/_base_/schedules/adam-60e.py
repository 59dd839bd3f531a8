# POPoS / HRNet face recipe: Adam 2e-3, 500-iter linear warm-up, x0.1 at epochs 40 and 55.
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=60,
        milestones=[40, 55],
        gamma=0.1,
        by_epoch=True)
]
# The recipe's total batch: 4 GPUs x 64. `--auto-scale-lr` rescales for other totals.
auto_scale_lr = dict(base_batch_size=256)
