"""Trained low-resolution comparison: POPoS head vs stock HeatmapHead + DARK (and KeyPosS).

Same data, backbone, input and schedule for every run; only the head/codec and the heatmap
size change. Each model is trained with the stock ``tools/train.py`` and evaluated with
``tools/test.py``; KeyPosS is the POPoS-trained model decoded with ``decode_mode='keypos'``.

    python tools/analysis/compare_heads.py --data-root data/synthetic_wflw \
        --sizes 16 8 4 --reference-size 32 --epochs 16 --work-dir work_dirs/compare_heads \
        --out-md docs/compare_heads_results.md --out-png docs/images/compare_heads.png
"""
import argparse
import copy
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(
    ROOT, 'configs', 'synthetic', 'td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py')


def dark_variant(cfg: Config) -> Config:
    """The same model with mmpose's stock HeatmapHead, MSE loss and DARK codec."""
    cfg = copy.deepcopy(cfg)
    old = cfg.codec
    dark = dict(type='MSRAHeatmap', input_size=old['input_size'], heatmap_size=old['heatmap_size'],
                sigma=old['sigma'], unbiased=True)
    cfg.codec = dark
    head = cfg.model.head
    for key in ('downsample_out_channels', 'heatmap_size', 'flip_shift'):
        head.pop(key, None)
    head['type'] = 'HeatmapHead'
    head['decoder'] = dark
    head['loss'] = dict(type='KeypointMSELoss', use_target_weight=True)
    cfg.model.test_cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'GenerateTarget':
            step['encoder'] = dark
    return cfg


def make_configs(base: str, size: int, data_root: str, epochs: int, work: str,
                 workers: int) -> Dict[str, str]:
    from popos.utils import set_heatmap_size
    cfg = Config.fromfile(base)
    set_heatmap_size(cfg, size)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
        cfg[f'{split}_dataloader'].num_workers = workers
        cfg[f'{split}_dataloader'].persistent_workers = workers > 0
    cfg.test_evaluator.pop('out_dir', None)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    cfg.param_scheduler[1].update(end=epochs, milestones=[int(epochs * 0.75)])
    cfg.default_hooks.checkpoint.update(interval=epochs, save_best=None)
    paths = {}
    for name, variant in (('popos', cfg), ('dark', dark_variant(cfg))):  # dark copies cfg
        path = osp.join(work, f'{name}_hm{size}.py')
        variant.dump(path)
        paths[name] = path
    return paths


def call(args: List[str]) -> None:
    print('+', ' '.join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True)


def train_and_test(cfg_path: str, work: str, epochs: int, extra_test: Dict[str, List[str]]) -> Dict:
    ckpt = osp.join(work, f'epoch_{epochs}.pth')
    if not osp.isfile(ckpt):
        call([sys.executable, 'tools/train.py', cfg_path, '--work-dir', work])
    results = {}
    for label, opts in extra_test.items():
        out = osp.join(work, f'metrics_{label}.json')
        if osp.isfile(out) and osp.getmtime(out) >= osp.getmtime(ckpt):
            with open(out, encoding='utf-8') as f:
                results[label] = json.load(f)
            continue
        call([sys.executable, 'tools/test.py', cfg_path, ckpt,
              '--work-dir', work, '--out', out] + (['--cfg-options'] + opts if opts else []))
        with open(out, encoding='utf-8') as f:
            results[label] = json.load(f)
    return results


NO_FLIP = ['model.test_cfg.flip_test=False']
KEYPOS = ['model.head.decoder.decode_mode=keypos']


def to_markdown(table: Dict[int, Dict[str, float]], sizes: List[int], ref: int,
                suffix: str = '') -> str:
    """NME table of the methods ``DARK``/``KeyPosS``/``POPoS`` + ``suffix`` (e.g. ``' no flip'``)."""
    table = {s: {k[:len(k) - len(suffix)]: v for k, v in row.items() if k.endswith(suffix)
                 and (suffix or ' ' not in k)} for s, row in table.items()}
    dark_ref = table[ref]['DARK']
    lines = ['| heatmap | DARK (HeatmapHead) | KeyPosS | POPoS | POPoS / DARK | POPoS / DARK@'
             f'{ref}×{ref} |', '|---|---|---|---|---|---|']

    def cell(row: Dict[str, float], key: str) -> str:
        return f'{row[key]:.2f}' if key in row else '—'

    for s in sizes:
        row = table[s]
        ratio = f"{row['POPoS'] / row['DARK']:.2f}" if 'POPoS' in row else '—'
        to_ref = f"{row['POPoS'] / dark_ref:.2f}" if 'POPoS' in row else '—'
        lines.append(f"| {s}×{s} | {cell(row, 'DARK')} | {cell(row, 'KeyPosS')} | "
                     f"{cell(row, 'POPoS')} | {ratio} | {to_ref} |")
    return '\n'.join(lines) + '\n'


def plot(table: Dict[int, Dict[str, float]], sizes: List[int], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for suffix, style in (('', '-'), (' no flip', ':')):
        for color, method in zip(('C0', 'C1', 'C2'), ('DARK', 'KeyPosS', 'POPoS')):
            key = method + suffix
            xs = [s for s in sizes if key in table[s]]
            ax.plot(xs, [table[s][key] for s in xs], 'o' + style, color=color, label=key)
    ax.set_xscale('log', base=2)
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(s) for s in sizes])
    ax.set_xlabel('heatmap side')
    ax.set_ylabel('NME (%)')
    ax.set_title('trained on synthetic WFLW-layout faces')
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--data-root', default='data/synthetic_wflw/')
    parser.add_argument('--sizes', type=int, nargs='+', default=[32, 16, 8, 4])
    parser.add_argument('--reference-size', type=int,
                        help='also train DARK alone at this (larger) size as the reference')
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--workers', type=int, default=1, help='data workers per loader')
    parser.add_argument('--work-dir', default='work_dirs/compare_heads')
    parser.add_argument('--out-md')
    parser.add_argument('--out-png')
    args = parser.parse_args()
    data_root = args.data_root.rstrip('/') + '/'
    os.makedirs(args.work_dir, exist_ok=True)
    table = {}
    if args.reference_size:
        paths = make_configs(args.config, args.reference_size, data_root, args.epochs,
                             args.work_dir, args.workers)
        dark = train_and_test(paths['dark'], osp.join(args.work_dir, f'dark_hm{args.reference_size}'),
                              args.epochs, {'dark': [], 'dark_noflip': NO_FLIP})
        table[args.reference_size] = {'DARK': dark['dark']['NME'],
                                      'DARK no flip': dark['dark_noflip']['NME']}
    for size in args.sizes:
        paths = make_configs(args.config, size, data_root, args.epochs, args.work_dir, args.workers)
        popos = train_and_test(paths['popos'], osp.join(args.work_dir, f'popos_hm{size}'),
                               args.epochs,
                               {'popos': [], 'keypos': KEYPOS, 'popos_noflip': NO_FLIP,
                                'keypos_noflip': KEYPOS + NO_FLIP})
        dark = train_and_test(paths['dark'], osp.join(args.work_dir, f'dark_hm{size}'),
                              args.epochs, {'dark': [], 'dark_noflip': NO_FLIP})
        table[size] = {'DARK': dark['dark']['NME'], 'KeyPosS': popos['keypos']['NME'],
                       'POPoS': popos['popos']['NME'],
                       'DARK no flip': dark['dark_noflip']['NME'],
                       'KeyPosS no flip': popos['keypos_noflip']['NME'],
                       'POPoS no flip': popos['popos_noflip']['NME']}
        print(f'hm{size}: {table[size]}', flush=True)
    sizes = sorted(table, reverse=True)
    md = ('With flip test (as trained configs evaluate):\n\n' + to_markdown(table, sizes, sizes[0])
          + '\nWithout flip test (one pass, as deployed):\n\n'
          + to_markdown(table, sizes, sizes[0], ' no flip'))
    print(md)
    with open(osp.join(args.work_dir, 'results.json'), 'w', encoding='utf-8') as f:
        json.dump(table, f, indent=2)
    if args.out_md:
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(md)
    if args.out_png:
        plot(table, sizes, args.out_png)


if __name__ == '__main__':
    main()
