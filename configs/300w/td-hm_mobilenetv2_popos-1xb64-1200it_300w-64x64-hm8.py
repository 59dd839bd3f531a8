# The MobileNetV2 64x64 / 8x8 student alone at batch 64: as many face passes per step as the
# pseudo-label student (32 labelled + 32 pseudo-labelled faces), all of them from 300-W.
_base_ = ['./td-hm_mobilenetv2_popos-1xb32-1200it_300w-64x64-hm8.py']

train_dataloader = dict(batch_size=64)
