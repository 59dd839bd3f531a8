"""Turn a trained checkpoint into a shipped model: weights-only fp16 state dict + its config.

    python tools/misc/publish_model.py work_dirs/300w/popos_hm16/<config>.py \\
        work_dirs/300w/popos_hm16/epoch_60.pth hrnetv2-w18s_popos_300w-128x128-hm16

writes ``popos/weights/<name>.pth`` (only tensors and plain metadata: it opens with
``torch.load(weights_only=True)``) and ``popos/weights/<name>.py`` (the resolved config, no
``_base_``, no pretrained download). Register it in ``popos/weights/models.json``.
"""
import argparse
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the config the checkpoint was trained with')
    parser.add_argument('checkpoint')
    parser.add_argument('name', help='model name (file stem in popos/weights/)')
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'popos', 'weights'))
    parser.add_argument('--fp32', action='store_true', help='keep fp32 tensors (2x the size)')
    parser.add_argument('--force', action='store_true',
                        help='replace an existing <name>.pth / <name>.py in --out-dir')
    args = parser.parse_args()
    outputs = [osp.join(args.out_dir, args.name + ext) for ext in ('.pth', '.py')]
    existing = [p for p in outputs if osp.exists(p)]
    if existing and not args.force:
        sys.exit(f'{", ".join(existing)} exists (a shipped model?): pick another name or pass '
                 '--force')

    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import popos  # noqa: F401  (registers popos' modules)
    from popos.utils.checkpoint import (CheckpointMismatchError, HeatmapSizeMismatchError,
                                        check_checkpoint_fits, codec_heatmap_size,
                                        safe_torch_load)
    ckpt = safe_torch_load(args.checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    dtype = torch.float32 if args.fp32 else torch.float16
    # BN running statistics and counters keep their dtype; float weights are stored in fp16 and
    # cast back to fp32 by load_state_dict.
    state = {k: (v.to(dtype) if v.is_floating_point() and 'running_' not in k else v).clone()
             for k, v in state.items()}
    cfg = Config.fromfile(args.config)
    cfg.model.backbone.init_cfg = None
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    try:  # the pair must load together, as users will load it
        check_checkpoint_fits(MODELS.build(cfg.model), ckpt, args.checkpoint,
                              codec_heatmap_size(cfg))
    except (CheckpointMismatchError, HeatmapSizeMismatchError) as err:
        sys.exit(f'{args.config} and {args.checkpoint} do not belong together: {err}')
    cfg.load_from = None
    cfg.resume = False  # a shipped model is loaded, never resumed (no optimizer state)
    cfg.pop('work_dir', None)
    meta = dict(name=args.name, config=args.name + '.py',
                heatmap_size=[int(v) for v in cfg.codec.heatmap_size],
                input_size=[int(v) for v in cfg.codec.input_size],
                num_keypoints=int(cfg.model.head.out_channels),
                epoch=int(ckpt.get('meta', {}).get('epoch', -1)),
                iter=int(ckpt.get('meta', {}).get('iter', -1)))
    out_ckpt = outputs[0]
    os.makedirs(args.out_dir, exist_ok=True)
    torch.save(dict(state_dict=state, meta=meta), out_ckpt)
    cfg.dump(osp.join(args.out_dir, args.name + '.py'))
    torch.load(out_ckpt, weights_only=True)  # must open with the safe loader, as users will
    print(f'{out_ckpt}: {osp.getsize(out_ckpt) / 1e6:.2f} MB, {len(state)} tensors')


if __name__ == '__main__':
    main()
