# Entry point: HRNetV2-W18 + POPoS on COFW (data in data/cofw), 256x256 input,
# 64x64 heatmaps. Another resolution: `--heatmap-size 32|16|8|4` on tools/train.py / tools/test.py.
_base_ = ['./cofw/td-hm_hrnetv2-w18_popos-4xb64-60e_cofw-256x256-hm64.py']
