"""Prune a trained POPoS model to a FLOPs ratio with Torch-Pruning, then fine-tune it.

    python tools/prune.py CONFIG CHECKPOINT --target-flops-ratio 0.5 --work-dir W \
        [--finetune-epochs N | --finetune-iters N] [--round-to 8] [--cfg-options k=v ...]

Writes to W:
    pruned_config.py   the model config with the pruned channel numbers (``channel_spec``):
                       ``MODELS.build`` rebuilds the architecture, no pickled modules
    pruned.pth         the pruned weights before fine-tuning (a plain state-dict checkpoint)
    prune.json         MACs/params before and after (Torch-Pruning and mmengine counts)
    epoch_*.pth / iter_*.pth       from the fine-tuning run (mmengine runner), if N > 0

``tools/test.py W/pruned_config.py W/<ckpt>.pth`` and ``tools/deploy.py ... W/pruned_config.py
W/<ckpt>.pth`` then work as for any config.
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args() -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Torch-Pruning to a FLOPs ratio + fine-tuning')
    parser.add_argument('config', help='model config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='trained checkpoint (.pth)')
    parser.add_argument('--target-flops-ratio', type=float, default=0.5,
                        help='pruned MACs / original MACs (0 < r < 1)')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--finetune-epochs', type=int, default=0)
    parser.add_argument('--finetune-iters', type=int, default=0,
                        help='fine-tune by iterations instead (iteration-based configs)')
    parser.add_argument('--finetune-lr-factor', type=float, default=0.5,
                        help='fine-tuning starts at this x the config lr (cosine to 0)')
    parser.add_argument('--steps', type=int, default=50, help='iterative pruning steps')
    parser.add_argument('--round-to', type=int, default=None,
                        help='keep channel numbers multiples of this')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def finetune_config(cfg, work_dir: str, epochs: int, lr_factor: float, iters: int = 0):
    """The pruned config set up to fine-tune from ``pruned.pth`` for ``epochs`` epochs
    (or ``iters`` iterations)."""
    cfg = cfg.copy()
    cfg.work_dir = work_dir
    cfg.load_from = osp.join(work_dir, 'pruned.pth')
    cfg.resume = False
    if iters > 0:
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
        cfg.optim_wrapper.optimizer.lr = cfg.optim_wrapper.optimizer.lr * lr_factor
        cfg.param_scheduler = [dict(type='CosineAnnealingLR', T_max=iters, by_epoch=False,
                                    begin=0, end=iters, eta_min=0.0)]
        cfg.default_hooks.checkpoint.update(by_epoch=False, interval=iters, save_best=None)
        cfg.log_processor = dict(by_epoch=False)
        return cfg
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs,
                         val_interval=max(1, min(epochs, cfg.train_cfg.get('val_interval', 1))))
    cfg.optim_wrapper.optimizer.lr = cfg.optim_wrapper.optimizer.lr * lr_factor
    # the weights are trained already: no warm-up, a short cosine decay
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', T_max=epochs, by_epoch=True,
                                begin=0, end=epochs, eta_min=0.0)]
    return cfg


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        sys.exit(f'checkpoint not found: {args.checkpoint}')
    if not 0 < args.target_flops_ratio < 1:
        sys.exit(f'--target-flops-ratio must be in (0, 1), got {args.target_flops_ratio}')
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner, load_checkpoint
    from mmpose.registry import MODELS

    import popos  # noqa: F401
    from popos.models.utils.pruning import input_hw, prune_to_flops, pruned_model_config
    from popos.utils import install_safe_loading

    install_safe_loading()  # weights_only=True for every checkpoint this run loads

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    if cfg.model.get('backbone', {}).get('init_cfg'):
        cfg.model.backbone.init_cfg = None  # the checkpoint holds the weights
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    hw = input_hw(cfg)
    info = prune_to_flops(model, hw, args.target_flops_ratio, steps=args.steps,
                          round_to=args.round_to)
    os.makedirs(args.work_dir, exist_ok=True)
    pruned_cfg = pruned_model_config(cfg, model)
    cfg_path = osp.join(args.work_dir, 'pruned_config.py')
    pruned_cfg.dump(cfg_path)
    ckpt_path = osp.join(args.work_dir, 'pruned.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(pruned_from=osp.abspath(args.checkpoint),
                              target_flops_ratio=args.target_flops_ratio)), ckpt_path)

    # The saved artefacts must rebuild the same network: check before fine-tuning on them.
    rebuilt = MODELS.build(Config.fromfile(cfg_path).model)
    load_checkpoint(rebuilt, ckpt_path, map_location='cpu', strict=True)
    x = torch.randn(2, 3, *hw)
    model.eval()
    rebuilt.eval()
    with torch.no_grad():
        a = model.head.forward(model.extract_feat(x))
        b = rebuilt.head.forward(rebuilt.extract_feat(x))
    if not torch.allclose(a, b, atol=1e-5):
        sys.exit('the rebuilt pruned model differs from the pruned one: not saving a broken model')

    from importlib.util import module_from_spec, spec_from_file_location
    spec = spec_from_file_location('get_flops', osp.join(osp.dirname(__file__), 'analysis',
                                                         'get_flops.py'))
    get_flops = module_from_spec(spec)
    spec.loader.exec_module(get_flops)
    info['mmengine_before'] = get_flops.complexity(cfg)
    info['mmengine_after'] = get_flops.complexity(Config.fromfile(cfg_path))
    info.update(config=cfg_path, pruned_checkpoint=ckpt_path, heatmap=list(a.shape[1:]))
    print(f'pruned in {info["steps"]} steps: GFLOPs {info["mmengine_before"]["gflops"]:.4f} -> '
          f'{info["mmengine_after"]["gflops"]:.4f} ({info["ratio"]:.2%} of the MACs), params '
          f'{info["params_before"] / 1e6:.3f} M -> {info["params_after"] / 1e6:.3f} M')
    if args.finetune_epochs > 0 or args.finetune_iters > 0:
        runner = Runner.from_cfg(finetune_config(Config.fromfile(cfg_path), args.work_dir,
                                                 args.finetune_epochs, args.finetune_lr_factor,
                                                 args.finetune_iters))
        runner.train()
        info['finetuned'] = dict(epochs=args.finetune_epochs, iters=args.finetune_iters)
    with open(osp.join(args.work_dir, 'prune.json'), 'w') as f:
        json.dump(info, f, indent=2, default=str)
    print(f'config: {cfg_path}\ncheckpoint: {ckpt_path}')


if __name__ == '__main__':
    main()
