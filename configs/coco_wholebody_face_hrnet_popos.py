# Entry point: HRNetV2-W18 + POPoSHead on COCO-WholeBody-Face (68 points, data in data/coco),
# 256x256 input, 64x64 heatmaps. Another resolution: `--heatmap-size 32|16|8|4` on
# tools/train.py / tools/test.py (codec, decoder, training targets and network change together).
# Data layout: docs/datasets.md.
_base_ = [
    './_base_/default_runtime.py', './_base_/schedules/adam-60e.py',
    './_base_/datasets/coco_wholebody_face.py',
    './_base_/models/td-hm_hrnetv2-w18_popos-256x256-hm64.py'
]

model = dict(head=dict(out_channels=68))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_pipeline}}))
