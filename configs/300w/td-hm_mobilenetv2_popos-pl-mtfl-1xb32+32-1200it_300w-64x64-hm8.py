# The MobileNetV2 64x64 / 8x8 student with a teacher: every batch holds 32 labelled 300-W faces
# (as the student alone at batch 32) + 32 MTFL faces carrying the teacher's 68-point
# pseudo-labels (mmpose's MultiSourceSampler). Make the pseudo-labels first (docs/embedded.md):
#   python tools/dataset_converters/pseudo_label_faces.py \
#       work_dirs/300w/dark_hm32/td-hm_hrnetv2-w18s_dark-1xb32-20e_300w-128x128-hm8.py \
#       work_dirs/300w/dark_hm32/epoch_20.pth --heatmap-size 32 \
#       --ann data/mtfl/annotations/mtfl_train.json --img-root data/mtfl/images \
#       --out data/mtfl_pseudo/mtfl_train_300w68.json
# Offline pseudo-labels rather than the online HeatmapDistiller: the teacher runs once per face
# (flip test included) instead of once per batch, and each label then follows the student's
# own augmentation exactly.
_base_ = ['./td-hm_mobilenetv2_popos-1xb32-1200it_300w-64x64-hm8.py']

train_dataloader = dict(
    batch_size=64,
    sampler=dict(
        _delete_=True, type='MultiSourceSampler', batch_size=64, source_ratio=[1, 1],
        shuffle=True),
    dataset=dict(
        _delete_=True,
        type='CombinedDataset',
        metainfo=dict(from_file='configs/_base_/datasets/300w.py'),
        datasets=[
            dict(
                type='Face300WDataset',
                data_root='data/300w/',
                data_mode='topdown',
                ann_file='annotations/face_landmarks_300w_train.json',
                data_prefix=dict(img='images/'),
                pipeline=[]),
            dict(
                type='Face300WDataset',
                data_root='data/',
                data_mode='topdown',
                ann_file='mtfl_pseudo/mtfl_train_300w68.json',
                data_prefix=dict(img='mtfl/images/'),
                pipeline=[]),
        ],
        pipeline={{_base_.train_pipeline}}))
