"""POPoS vs DARK (and KeyPosS) on trained models: NME / FR / AUC, flip and no flip, cost.

Every model was trained with the stock ``tools/train.py`` into ``<work-dir>/<head>_hm<S>/``
(``head`` = ``popos`` or ``dark``); this script tests each last checkpoint with the stock
``tools/test.py`` (KeyPosS = the POPoS-trained model with ``decode_mode='keypos'``), then adds
parameters, GFLOPs and the one-thread CPU latency of one face through
:class:`popos.apis.FaceLandmarker` (mmpose crop + network + decode, no flip), and writes a
markdown table, a json and the CED of DARK vs POPoS at one size.

    python tools/analysis/heads_table.py --work-dir work_dirs/300w --sizes 32 16 8 4 \\
        --epoch 20 --out-md table.md --ced-size 8 --ced-png docs/images/real_ced_hm8.png
"""
import argparse
import csv
import glob
import json
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

VARIANTS = {
    'popos': {'POPoS': [], 'POPoS no flip': ['model.test_cfg.flip_test=False'],
              'KeyPosS': ['model.head.decoder.decode_mode=keypos'],
              'KeyPosS no flip': ['model.head.decoder.decode_mode=keypos',
                                  'model.test_cfg.flip_test=False']},
    'dark': {'DARK': [], 'DARK no flip': ['model.test_cfg.flip_test=False']},
}


def run_dir_config(run_dir: str) -> str:
    """The config ``tools/train.py`` dumped into the run's work dir."""
    found = glob.glob(osp.join(run_dir, '*.py'))
    if len(found) != 1:
        raise FileNotFoundError(f'expected one dumped config in {run_dir}, found {found}')
    return found[0]


def test(cfg: str, ckpt: str, out: str, opts: List[str], csv_dir: Optional[str]) -> Dict:
    if osp.isfile(out) and osp.getmtime(out) >= osp.getmtime(ckpt):
        with open(out, encoding='utf-8') as f:
            return json.load(f)
    if csv_dir:
        opts = opts + [f'test_evaluator.out_dir={csv_dir}']
    # a work dir of its own: the runner dumps its merged config there, and the run dir holds
    # the training config the next variant starts from
    work = osp.splitext(out)[0]
    cmd = [sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir', work,
           '--out', out] + (['--cfg-options'] + opts if opts else [])
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    with open(out, encoding='utf-8') as f:
        return json.load(f)


def cost(cfg_path: str, ckpt: str, img_path: str, box, repeats: int) -> Dict[str, float]:
    """Params (M), GFLOPs and median ms per face on one CPU thread (crop + network + decode)."""
    import cv2
    import torch

    from popos.apis import FaceLandmarker
    from tools.analysis.get_flops import complexity
    from mmengine.config import Config
    torch.set_num_threads(1)
    cfg = Config.fromfile(cfg_path)
    out = complexity(cfg)
    lm = FaceLandmarker(cfg_path, weights=ckpt, detector=None)
    img = cv2.imread(img_path)
    boxes = np.asarray([box], np.float32)
    for _ in range(5):
        lm.predict_boxes(img, boxes)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        lm.predict_boxes(img, boxes)
        times.append(time.perf_counter() - t0)
    out['ms'] = float(np.median(times) * 1e3)
    return out


def ced(csv_paths: Dict[str, str], path: str, title: str, alpha: float = 10.0) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.6))
    grid = np.linspace(0, alpha, 201)
    for label, p in csv_paths.items():
        with open(p, encoding='utf-8') as f:
            nme = np.array([float(r['NME']) for r in csv.DictReader(f)])
        ax.plot(grid, [(nme <= g).mean() for g in grid],
                label=f'{label} (NME {nme.mean():.2f} %)')
    ax.set_xlabel('NME (%, inter-ocular)')
    ax.set_ylabel('share of faces')
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/300w')
    parser.add_argument('--sizes', type=int, nargs='+', default=[32, 16, 8, 4])
    parser.add_argument('--epoch', type=int, default=60)
    parser.add_argument('--heads', nargs='+', default=['popos', 'dark'],
                        help='run-dir prefixes; any name but dark is tested as a POPoS model')
    parser.add_argument('--repeats', type=int, default=100, help='latency repetitions')
    parser.add_argument('--skip-cost', action='store_true',
                        help='only run (and cache) the tests; no params/GFLOPs/latency')
    parser.add_argument('--out-md')
    parser.add_argument('--ced-size', type=int)
    parser.add_argument('--ced-png')
    args = parser.parse_args()
    rows, csvs = {}, {}
    for size in args.sizes:
        for head in args.heads:
            variants = VARIANTS['dark' if head == 'dark' else 'popos']
            run = osp.join(args.work_dir, f'{head}_hm{size}')
            ckpt = osp.join(run, f'epoch_{args.epoch}.pth')
            if not osp.isfile(ckpt):
                print(f'skip {run}: no {osp.basename(ckpt)}', flush=True)
                continue
            cfg = run_dir_config(run)
            for label, opts in variants.items():
                csv_dir = osp.join(run, 'eval_' + label.replace(' ', '_'))
                res = test(cfg, ckpt, osp.join(run, f"metrics_{label.replace(' ', '_')}.json"),
                           opts, csv_dir)
                rows.setdefault(size, {})[label] = res
                csvs[(size, label)] = osp.join(csv_dir, 'per_sample_nme.csv')
            if args.skip_cost:
                continue
            from mmengine.config import Config
            tcfg = Config.fromfile(cfg)
            ann = osp.join(tcfg.test_dataloader.dataset.data_root,
                           tcfg.test_dataloader.dataset.ann_file)
            with open(ann, encoding='utf-8') as f:
                coco = json.load(f)
            first = coco['annotations'][0]
            img = next(i for i in coco['images'] if i['id'] == first['image_id'])
            x, y, w, h = first['bbox']
            rows[size][('dark' if head == 'dark' else 'popos') + ' cost'] = cost(
                cfg, ckpt, osp.join(tcfg.test_dataloader.dataset.data_root, 'images',
                                    img['file_name']), [x, y, x + w, y + h], args.repeats)
    if args.skip_cost:
        return
    with open(osp.join(args.work_dir, f"table_{'_'.join(args.heads)}.json"), 'w',
              encoding='utf-8') as f:
        json.dump({str(k): v for k, v in rows.items()}, f, indent=1)
    md = compact_markdown(rows) + '\n' + markdown(rows)
    print(md)
    if args.out_md:
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(md)
    if args.ced_png and args.ced_size:
        s = args.ced_size
        ced({f'DARK {s}×{s}': csvs[(s, 'DARK')], f'POPoS {s}×{s}': csvs[(s, 'POPoS')]},
            args.ced_png, f'real 300-W val faces (195), {s}×{s} heatmaps, flip test')


def markdown(rows: Dict[int, Dict]) -> str:
    lines = ['| heatmap | method | NME % (flip) | FR@0.1 % | AUC@0.1 | NME % (no flip) | '
             'params (M) | GFLOPs | ms / face (1 thread) |', '|---' * 9 + '|']
    for size in sorted(rows, reverse=True):
        row = rows[size]
        for method, head in (('DARK', 'dark'), ('KeyPosS', 'popos'), ('POPoS', 'popos')):
            if method not in row:
                continue
            r, nf, c = row[method], row[method + ' no flip'], dict(row.get(head + ' cost', {}))
            if method == 'KeyPosS':  # timed with the POPoS decoder: not KeyPosS' own time
                c.pop('ms', None)
            ms_text = f"{c['ms']:.1f}" if 'ms' in c else '—'
            lines.append(
                f"| {size}×{size} | {method} | {r['NME']:.2f} | {r['FR@0.1']:.1f} | "
                f"{r['AUC@0.1']:.1f} | {nf['NME']:.2f} | {c.get('params_m', float('nan')):.2f} | "
                f"{c.get('gflops', float('nan')):.3f} | {ms_text} |")
    return '\n'.join(lines) + '\n'


def compact_markdown(rows: Dict[int, Dict]) -> str:
    """One row per heatmap size: NME (flip) of the three decoders, the ratios, the cost."""
    def nme(row, key):
        return f"{row[key]['NME']:.2f}" if key in row else '—'

    ref_size = max(s for s in rows if 'DARK' in rows[s]) if any('DARK' in r for r in
                                                                 rows.values()) else None
    ref = rows[ref_size]['DARK']['NME'] if ref_size else None
    largest = f'{ref_size}×{ref_size}' if ref_size else '(none)'
    lines = ['| heatmap | DARK | KeyPosS | POPoS | POPoS / DARK | POPoS / DARK '
             f'{largest} | params (M) | GFLOPs | ms / face |', '|---' * 9 + '|']
    for size in sorted(rows, reverse=True):
        row = rows[size]
        ratio = (f"{row['POPoS']['NME'] / row['DARK']['NME']:.2f}"
                 if 'POPoS' in row and 'DARK' in row else '—')
        to_ref = f"{row['POPoS']['NME'] / ref:.2f}" if 'POPoS' in row and ref else '—'
        c = row.get('popos cost') or row.get('dark cost') or {}
        lines.append(f"| {size}×{size} | {nme(row, 'DARK')} | {nme(row, 'KeyPosS')} | "
                     f"{nme(row, 'POPoS')} | {ratio} | {to_ref} | "
                     f"{c.get('params_m', float('nan')):.2f} | {c.get('gflops', float('nan')):.3f} "
                     f"| {c.get('ms', float('nan')):.1f} |")
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
