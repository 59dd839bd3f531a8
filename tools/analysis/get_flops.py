"""Parameters and GFLOPs of a pose model config at its input size (or a given one).

    python tools/analysis/get_flops.py CONFIG [--input-shape 256 256] [--heatmap-size 8]
    python tools/analysis/get_flops.py configs/wflw_hrnet_popos.py --all-heatmap-sizes --markdown

Counts one forward of the network (backbone, neck, head) without decoding, with
mmengine's ``get_model_complexity_info`` (FLOPs = multiply-adds, as mmpose reports them).
"""
import argparse
from typing import Dict, Optional, Sequence

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import popos  # noqa: F401
from popos.utils import set_heatmap_size


def complexity(cfg: Config, input_shape: Optional[Sequence[int]] = None) -> Dict[str, float]:
    """Return ``dict(params_m, gflops, heatmap)`` for the config's model on one image."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    cfg = cfg.copy()
    if cfg.model.backbone.get('init_cfg'):
        cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    codec = cfg.get('codec') or cfg.model.head.decoder
    w, h = input_shape[::-1] if input_shape else codec['input_size']
    model.forward = model._forward  # network only, as exported
    with torch.no_grad():
        out = model(torch.zeros(1, 3, h, w))
    info = get_model_complexity_info(model, input_shape=(3, h, w), show_table=False,
                                     show_arch=False)
    return dict(params_m=info['params'] / 1e6, gflops=info['flops'] / 1e9,
                heatmap=tuple(out.shape[-2:]), input=(h, w))


def main() -> None:
    parser = argparse.ArgumentParser(description='params / GFLOPs of a model config')
    parser.add_argument('config')
    parser.add_argument('--input-shape', type=int, nargs=2, help='H W (default: codec input)')
    parser.add_argument('--heatmap-size', type=int, help='switch resolution first')
    parser.add_argument('--all-heatmap-sizes', action='store_true',
                        help='table over heatmap sizes 64, 32, 16, 8, 4')
    parser.add_argument('--markdown', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    base = Config.fromfile(args.config)
    if args.cfg_options:
        base.merge_from_dict(args.cfg_options)
    sizes = [64, 32, 16, 8, 4] if args.all_heatmap_sizes else [args.heatmap_size]
    rows = []
    for size in sizes:
        cfg = base.copy()
        if size is not None:
            set_heatmap_size(cfg, size)
        rows.append(complexity(cfg, args.input_shape))
    if args.markdown:
        print('| input | heatmap | params (M) | GFLOPs |\n|---|---|---|---|')
    for r in rows:
        inp, hm = f'{r["input"][0]}×{r["input"][1]}', f'{r["heatmap"][0]}×{r["heatmap"][1]}'
        if args.markdown:
            print(f'| {inp} | {hm} | {r["params_m"]:.2f} | {r["gflops"]:.3f} |')
        else:
            print(f'input {inp}  heatmap {hm}  params {r["params_m"]:.2f} M  '
                  f'GFLOPs {r["gflops"]:.3f}')


if __name__ == '__main__':
    main()
