# Ceiling of the scarce-label distillation experiment: the plain student with the distilled
# runs' batches (64 of the 500 labelled faces + 64 of the 4000 extra faces per step, 32 epochs,
# 1152 iterations) but the extra faces keep their true landmarks -- what pseudo-labelling would
# reach with a perfect teacher (docs/embedded.md, "Scarce labels").
_base_ = ['./td-hm_mobilenetv2-0.5_popos-1xb64-72e_synthetic-wflw-500-128x128-hm8.py']

metainfo = dict(from_file='configs/_base_/datasets/wflw.py')
extra_root = 'data/synthetic_wflw_160_extra/'
train_dataloader = dict(
    batch_size=128,
    sampler=dict(_delete_=True, type='MultiSourceSampler', batch_size=128, source_ratio=[1, 1],
                 shuffle=True),
    dataset=dict(
        _delete_=True,
        type='CombinedDataset',
        metainfo=metainfo,
        datasets=[
            dict(type='WFLWDataset', data_root={{_base_.data_root}}, data_mode='topdown',
                 ann_file='annotations/face_landmarks_wflw_train.json',
                 data_prefix=dict(img='images/'), indices=500, pipeline=[]),
            dict(type='WFLWDataset', data_root=extra_root, data_mode='topdown',
                 ann_file='annotations/face_landmarks_wflw_train.json',
                 data_prefix=dict(img='images/'), pipeline=[]),
        ],
        pipeline={{_base_.train_pipeline}}))

train_cfg = dict(max_epochs=32, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=32, milestones=[24, 30], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=32))
