# Copyright (c) OpenMMLab. All rights reserved. Adapted for popos: --heatmap-size.
"""Test (and evaluate) a pose model: mmpose's tools/test.py, plus ``--heatmap-size``."""
import argparse
import os
import sys

# albumentations 1.4 asks PyPI for a newer version on import; training runs offline
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import mmengine
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

import popos  # noqa: F401
from popos.utils import install_safe_loading, safe_torch_load
from popos.utils.checkpoint import (CheckpointMismatchError, HeatmapSizeMismatchError,
                                    check_checkpoint_fits, codec_heatmap_size)
from popos.utils.launch import apply_common_args

METRIC_FORMATS = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


def parse_args():
    parser = argparse.ArgumentParser(
        description='MMPose test (and eval) model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save evaluation results')
    parser.add_argument('--out', help='the file to save metric results (.json, .yaml, .yml, '
                        '.pkl or .pickle: mmengine.dump picks the format by extension)')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--heatmap-size',
        type=int,
        default=None,
        help='heatmap side the checkpoint was trained with (changes codec, decoder '
        'and network together); a checkpoint of another size is refused')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. For example, '
        "'--cfg-options model.backbone.depth=18 model.backbone.with_cp=True'")
    parser.add_argument(
        '--show-dir',
        help='directory where the visualization images will be saved.')
    parser.add_argument(
        '--show',
        action='store_true',
        help='whether to display the prediction results in a window.')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='visualize per interval samples.')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=1,
        help='display time of every window. (second)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    # checked before the run: mmengine would only fail when it writes them, after the test
    if args.out and not args.out.endswith(METRIC_FORMATS):
        parser.error(f'--out {args.out}: the metrics file must end in one of '
                     f'{", ".join(METRIC_FORMATS)}')
    if args.dump and not args.dump.endswith(('.pkl', '.pickle')):
        parser.error(f'--dump {args.dump}: the predictions file must be a .pkl or .pickle')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge CLI arguments to config."""
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint

    if args.show or (args.show_dir is not None):
        assert 'visualization' in cfg.default_hooks, \
            'PoseVisualizationHook is not set in the ' \
            '`default_hooks` field of config. Please set ' \
            '`visualization=dict(type="PoseVisualizationHook")`'
        cfg.default_hooks.visualization.enable = True
        if cfg.get('visualizer', {}).get('type') == 'PoseLocalVisualizer':
            # mmpose 1.3's OpenCV circles fail under numpy 2 (popos' subclass draws them)
            cfg.visualizer.type = 'FaceLocalVisualizer'
        cfg.default_hooks.visualization.show = args.show
        if args.show:
            cfg.default_hooks.visualization.wait_time = args.wait_time
        cfg.default_hooks.visualization.out_dir = args.show_dir
        cfg.default_hooks.visualization.interval = args.interval

    # before --dump turns test_evaluator into a list, so `test_evaluator.x=y` still applies
    cfg = apply_common_args(cfg, args.cfg_options, args.heatmap_size, args.config,
                            args.work_dir)

    if args.dump is not None:
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = [*cfg.test_evaluator, dump_metric]
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump_metric]
    return cfg


def main():
    args = parse_args()
    install_safe_loading()  # weights_only=True for every checkpoint this run loads
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)

    runner = Runner.from_cfg(cfg)
    # mmengine would load another model's checkpoint with a warning per key and evaluate
    # random weights; mmpose's heads do not record their heatmap size
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    try:
        check_checkpoint_fits(model, safe_torch_load(args.checkpoint, map_location='cpu'),
                              args.checkpoint, codec_heatmap_size(cfg))
    except (CheckpointMismatchError, HeatmapSizeMismatchError) as err:
        sys.exit(str(err))

    if args.out:

        class SaveMetricHook(Hook):

            def after_test_epoch(self, _, metrics=None):
                if metrics is not None:
                    mmengine.dump(metrics, args.out)

        runner.register_hook(SaveMetricHook(), 'LOWEST')

    runner.test()


if __name__ == '__main__':
    main()
