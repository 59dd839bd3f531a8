# Entry point: HRNetV2-W18 + POPoS on WFLW (data in data/wflw), 256x256 input, 64x64 heatmaps.
# Choose another resolution with `--heatmap-size 32|16|8|4` on tools/train.py / tools/test.py
# (or use configs/wflw/*-hm{32,16,8,4}.py directly).
_base_ = ['./wflw/td-hm_hrnetv2-w18_popos-4xb64-60e_wflw-256x256-hm64.py']
