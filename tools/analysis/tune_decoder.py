"""Tune a trained POPoS model's decoder settings on a validation set (not the test set).

Every combination of the ``--param`` values is evaluated through the config's own evaluator
(mmengine's test loop, the same path as ``tools/test.py``) with the checkpoint loaded once;
only the head's decoder settings change between runs. It prints a table sorted by the
metric and the ``--cfg-options`` that give the best combination to ``tools/test.py``.

Choose the tuning faces apart from the test faces (e.g. a held-out part of the training
set or a second synthetic set), or the reported test NME is optimistic.

Usage::

    python tools/analysis/tune_decoder.py CONFIG CHECKPOINT \\
        --data-root data/synthetic_wflw_val --ann-file annotations/face_landmarks_wflw_test.json \\
        --param topk=5,10,15,20 --param anchor_radius=2,3,4.5 \\
        --param refine=pseudorange,gauss_newton [--no-flip] [--out tune.json]

Parameters are the POPoS codec's decoder settings (``popos.codecs.POPoSHeatmap``): topk,
anchor_radius, refine, refine_iters, robust_iters, weight_power, clip_floor, grid_side,
grid_spacing, grid_method, decode_mode, fallback, anchor_mask (sigma stays the codec's: it is
the trained width).
"""
import argparse
import itertools
import json
import os
import os.path as osp
from typing import Any, Dict, List, Tuple

from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmpose.registry import KEYPOINT_CODECS

import popos  # noqa: F401  (registers popos' modules)
from popos.codecs import POPoSHeatmap
from popos.utils import install_safe_loading
from popos.utils.launch import apply_common_args

TUNABLE = ('topk', 'anchor_radius', 'refine', 'refine_iters', 'robust_iters', 'weight_power',
           'clip_floor', 'grid_side', 'grid_spacing', 'grid_method', 'decode_mode', 'fallback',
           'anchor_mask')


def parse_value(text: str) -> Any:
    """'15' -> 15, '4.5' -> 4.5, 'none'/'None' -> None for numbers, else the string."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return None if text == 'None' else text


def parse_params(specs: List[str]) -> Dict[str, List[Any]]:
    """``['topk=5,10', 'refine=none']`` -> ``{'topk': [5, 10], 'refine': ['none']}``."""
    grid: Dict[str, List[Any]] = {}
    for spec in specs:
        name, sep, values = spec.partition('=')
        if not sep or not values:
            raise ValueError(f'--param must look like name=v1,v2, got {spec!r}')
        if name not in TUNABLE:
            raise ValueError(f'unknown decoder setting {name!r}; tunable: {", ".join(TUNABLE)}')
        grid[name] = [parse_value(v) for v in values.split(',')]
    return grid


def combinations(grid: Dict[str, List[Any]]) -> List[Dict[str, Any]]:
    """Cartesian product of the grid, as a list of setting dicts (one empty dict if no grid)."""
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*grid.values())]


def build_decoder(codec_cfg: Dict[str, Any], settings: Dict[str, Any]) -> POPoSHeatmap:
    """The config's POPoS codec with ``settings`` overriding its decoder arguments."""
    codec = KEYPOINT_CODECS.build(dict(codec_cfg, **settings))
    if not isinstance(codec, POPoSHeatmap):
        raise TypeError(f'the head decodes with {type(codec).__name__}, not POPoSHeatmap: '
                        'this tool tunes the POPoS decoder')
    return codec


def build_runner(args) -> Runner:
    cfg = Config.fromfile(args.config)
    cfg = apply_common_args(cfg, args.cfg_options, args.heatmap_size)
    cfg.work_dir = args.work_dir or osp.join('work_dirs', 'tune_decoder',
                                             osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    dataset = cfg.test_dataloader.dataset
    if args.data_root:
        dataset.data_root = args.data_root
    if args.ann_file:
        dataset.ann_file = args.ann_file
    # the tuning set has no test subsets: evaluate with the validation evaluator
    cfg.test_evaluator = cfg.val_evaluator
    if args.no_flip:
        cfg.model.setdefault('test_cfg', {})['flip_test'] = False
    cfg.visualizer = dict(type='PoseLocalVisualizer', vis_backends=[])
    cfg.default_hooks.pop('visualization', None)
    return Runner.from_cfg(cfg)


def tune(runner: Runner, combos: List[Dict[str, Any]]) -> List[Tuple[Dict[str, Any], Dict]]:
    """Evaluate every combination with the runner's test loop; returns (settings, metrics)."""
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    codec_cfg = dict(runner.cfg.model.head.decoder)
    # built (and so validated, by the codec's own constructor) before any evaluation runs
    decoders = [build_decoder(codec_cfg, settings) for settings in combos]
    results = []
    for settings, decoder in zip(combos, decoders):
        model.head.decoder = decoder
        results.append((settings, dict(runner.test())))
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--data-root', help='tuning set data_root (default: the config\'s test set)')
    p.add_argument('--ann-file', help='tuning set annotation file, relative to data_root')
    p.add_argument('--param', action='append', default=[], metavar='NAME=V1,V2',
                   help='decoder setting and values to try (repeatable)')
    p.add_argument('--metric', default='NME', help='metric to sort by (lower is better)')
    p.add_argument('--no-flip', action='store_true', help='evaluate without flip test')
    p.add_argument('--heatmap-size', type=int, default=None)
    p.add_argument('--work-dir')
    p.add_argument('--out', help='write all results as json')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = p.parse_args()
    install_safe_loading()  # weights_only=True for the checkpoint the runner loads
    if not args.data_root and not args.ann_file:
        print('warning: tuning on the config\'s test set; report test numbers from another '
              'set of faces (--data-root/--ann-file)')
    try:
        combos = combinations(parse_params(args.param))
    except ValueError as err:
        p.error(str(err))
    runner = build_runner(args)
    results = tune(runner, combos)
    key = next((k for k in results[0][1] if k.split('/')[-1] == args.metric), None)
    if key is None:
        raise KeyError(f'metric {args.metric!r} not among {sorted(results[0][1])}')
    results.sort(key=lambda r: r[1][key])
    print(f'\n| {" | ".join(list(combos[0]) or ["defaults"])} | {args.metric} |')
    for settings, metrics in results:
        row = [str(v) for v in settings.values()] or ['—']
        print(f'| {" | ".join(row)} | {metrics[key]:.4f} |')
    best = results[0][0]
    tied = [s for s, m in results if m[key] == results[0][1][key]]
    if len(tied) > 1:
        # e.g. topk with refine='pseudorange' and fallback='seed': the setting is never read
        changed = sorted(k for k in best if len({str(s[k]) for s in tied}) > 1)
        print(f'\n{len(tied)} combinations tie at the best {args.metric}; these settings did not '
              f'change it: {", ".join(changed)} (the configured decoder may not use them)')
    print('\nbest:', ' '.join(f'model.head.decoder.{k}={v}' for k, v in best.items()) or
          'the config\'s settings', f'({args.metric} {results[0][1][key]:.4f})')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump([dict(settings=s, metrics=m) for s, m in results], f, indent=1)


if __name__ == '__main__':
    main()
