# The distilled MobileNetV2 x0.5 student, trained on the labelled faces plus faces without
# landmarks that only the teacher labels: every landmark of every sample gets the teacher losses
# (distill_keypoints='all'), the ground-truth losses see the labelled faces only (the unlabelled
# ones carry invisible keypoints). Unlabelled faces: any COCO file of face boxes, e.g.
# `tools/dataset_converters/images_to_unlabelled_coco.py --images <dir> --out <json>`; here a
# second synthetic set (`make_synthetic_faces.py ... --num-train 4000 --seed 1
# --out data/synthetic_wflw_160_extra`) whose landmarks UnlabelledFaceDataset never reads.
_base_ = ['./td-hm_mobilenetv2-0.5_popos-kd-hrnetv2-w18s-1xb64-30e_synthetic-wflw-128x128-hm8.py']

metainfo = dict(from_file='configs/_base_/datasets/wflw.py')
unlabelled_root = 'data/synthetic_wflw_160_extra/'

model = dict(distill_keypoints='all')

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CombinedDataset',
        metainfo=metainfo,
        datasets=[
            dict(
                type='WFLWDataset',
                data_root={{_base_.data_root}},
                data_mode='topdown',
                ann_file='annotations/face_landmarks_wflw_train.json',
                data_prefix=dict(img='images/'),
                pipeline=[]),
            dict(
                type='UnlabelledFaceDataset',
                metainfo=metainfo,
                data_root=unlabelled_root,
                ann_file='annotations/face_landmarks_wflw_train.json',
                data_prefix=dict(img='images/'),
                pipeline=[]),
        ],
        pipeline={{_base_.train_pipeline}}))
