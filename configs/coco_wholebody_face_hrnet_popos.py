# Entry point: HRNetV2-W18 + POPoS on COCO-WholeBody-Face (data in data/coco), 256x256 input,
# 64x64 heatmaps. Another resolution: `--heatmap-size 32|16|8|4` on tools/train.py / tools/test.py.
_base_ = ['./coco_wholebody_face/td-hm_hrnetv2-w18_popos-4xb64-60e_coco_wholebody_face-256x256-hm64.py']
