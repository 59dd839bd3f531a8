"""Deployment benchmark: file size, single-thread latency, parity and NME per backend.

Backends: PyTorch, onnxruntime (heatmaps; decode in graph) and TFLite fp32 / fp16 /
int8-dynamic / int8 (full, calibrated on val crops). Without ``--data-root`` the data are
synthetic faces in the WFLW layout (``popos.datasets.synthetic``); without ``--checkpoint`` the
model is first trained for ``--fit-steps`` iterations with mmengine's Runner. Prints a markdown
table and writes ``benchmark.json``. Fails (exit 1) if full int8 raises the NME by >=
``--max-int8-nme-rise``.
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_MODEL = osp.join(REPO, 'configs', 'deploy', 'models',
                         'td-hm_mobilenetv2-0.5_popos_wflw-64x64-hm8.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--model-cfg', default=DEFAULT_MODEL)
    p.add_argument('--checkpoint', default=None, help='default: fit the model on toy data')
    p.add_argument('--data-root', default=None, help='WFLW-layout data (default: toy set)')
    p.add_argument('--work-dir', default='work_dirs/benchmark_deploy')
    p.add_argument('--runs', type=int, default=100, help='timed runs per backend (>= 50)')
    p.add_argument('--fit-steps', type=int, default=400)
    p.add_argument('--num-train', type=int, default=512)
    p.add_argument('--num-test', type=int, default=100)
    p.add_argument('--max-int8-nme-rise', type=float, default=0.10)
    return p.parse_args()


def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def latency_ms(runner, x, runs: int) -> float:
    from popos.deploy.runners import median_ms
    return median_ms(lambda _: runner(x), runs, warmup=5)


def main() -> int:
    args = parse_args()
    if args.runs < 50:
        sys.exit('--runs must be >= 50')
    import torch
    torch.set_num_threads(1)
    import popos.deploy as pd
    from popos.deploy.calibration import dataset_inputs
    from popos.deploy.modules import export_module
    from popos.deploy.runners import TorchRunner, build_runner
    from popos.deploy.tflite import convert
    from mmengine.config import Config
    from mmengine.runner import Runner

    from popos.datasets.synthetic import generate_dataset

    os.makedirs(args.work_dir, exist_ok=True)
    data_root = args.data_root
    if data_root is None:
        data_root = osp.join(args.work_dir, 'synthetic_wflw')
        if not osp.isdir(osp.join(data_root, 'annotations')):
            generate_dataset('wflw', data_root, args.num_train, args.num_test, image_size=96,
                             seed=0, workers=1, progress=False)
    cfg = Config.fromfile(args.model_cfg)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator.pop('subsets', None)  # absolute paths under data/wflw
    cfg.test_dataloader.batch_size = 16
    checkpoint = args.checkpoint
    if checkpoint is None:
        checkpoint = osp.join(args.work_dir, 'fit', f'iter_{args.fit_steps}.pth')
        if not osp.isfile(checkpoint):
            t = time.time()
            fit_cfg = cfg.copy()
            fit_cfg.work_dir = osp.join(args.work_dir, 'fit')
            fit_cfg.train_dataloader.batch_size = 16
            fit_cfg.train_cfg = dict(by_epoch=False, max_iters=args.fit_steps,
                                     val_interval=args.fit_steps + 1)
            fit_cfg.optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
            fit_cfg.param_scheduler = []
            fit_cfg.default_hooks.checkpoint = dict(
                type='CheckpointHook', by_epoch=False, interval=args.fit_steps, save_best=None)
            fit_cfg.randomness = dict(seed=0)
            Runner.from_cfg(fit_cfg).train()
            print(f'trained {args.fit_steps} iterations in {time.time() - t:.0f} s')
    pose_model = pd.build_torch_model(cfg, checkpoint)
    w, h = (int(v) for v in pose_model.head.decoder.input_size)
    test_set = cfg.test_dataloader.dataset
    with open(osp.join(data_root, test_set.ann_file)) as f:  # the first test image traces
        first = json.load(f)['images'][0]['file_name']
    img = osp.join(data_root, test_set.data_prefix['img'], first)
    dcfg = lambda name: osp.join(REPO, 'configs/deploy', name)  # noqa: E731
    ort_cfg = dcfg('pose-detection_onnxruntime_static.py')
    ort_dec_cfg = dcfg('pose-detection_onnxruntime_decode_static.py')

    files = {
        'onnxruntime': (ort_cfg, pd.export_onnx(ort_cfg, cfg, checkpoint, img,
                                                osp.join(args.work_dir, 'onnx'))),
        'onnxruntime decode-in-graph': (ort_dec_cfg, pd.export_onnx(
            ort_dec_cfg, cfg, checkpoint, img, osp.join(args.work_dir, 'onnx_decode'))),
    }
    val = dataset_inputs(cfg, 'val', 32)
    calib = dataset_inputs(cfg, 'train', 64)  # real crops, through the test pipeline
    sample = torch.from_numpy(val[:1])
    tfl_dir = osp.join(args.work_dir, 'tflite')
    for decode in (False, True):
        module = export_module(pose_model, decode)
        suffix = ' decode-in-graph' if decode else ''
        precisions = ('fp32', 'fp16', 'int8-dynamic', 'int8') if not decode else \
            ('fp32', 'int8-dynamic', 'int8')
        for precision in precisions:
            name = f'tflite {precision}{suffix}'
            stem = f'model{"_decode" if decode else ""}'
            out = convert(module, sample, osp.join(tfl_dir, f'{stem}_{precision}.tflite'),
                          precision, decode, calib if precision == 'int8' else None,
                          float_path=osp.join(tfl_dir, f'{stem}_fp32.tflite'),
                          reuse_float=precision != 'fp32')
            mode = '_decode' if decode else ''
            files[name] = (dcfg(f'pose-detection_tflite_{precision}{mode}_static.py'),
                           out)

    x1 = val[:1]
    rows = []
    torch_runner = TorchRunner(export_module(pose_model, False), threads=1)
    torch_dec = TorchRunner(export_module(pose_model, True), threads=1)
    ref_nme = pd.evaluate_backend(ort_dec_cfg, cfg, [files['onnxruntime decode-in-graph'][1]],
                                  osp.join(args.work_dir, 'eval_ref'))['NME']
    rows.append(dict(backend='PyTorch (heatmaps)', size_kb=osp.getsize(checkpoint) / 1024,
                     latency_ms=latency_ms(torch_runner, x1, args.runs)))
    rows.append(dict(backend='PyTorch + POPoS decode', size_kb=osp.getsize(checkpoint) / 1024,
                     latency_ms=latency_ms(torch_dec, x1, args.runs)))
    for name, (deploy_cfg, path) in files.items():
        decode = 'decode' in name
        runner = build_runner(path, threads=1)
        diff = pd.compare(pose_model, runner, val, decode)
        metrics = pd.evaluate_backend(deploy_cfg, cfg, [path],
                                      osp.join(args.work_dir, 'eval_' + name.replace(' ', '_')))
        rows.append(dict(backend=name, size_kb=osp.getsize(path) / 1024,
                         latency_ms=latency_ms(runner, x1, args.runs), nme=metrics['NME'],
                         nme_rise=metrics['NME'] / ref_nme - 1, **diff))
    info = dict(cpu=cpu_name(), threads=1, runs=args.runs, model_cfg=args.model_cfg,
                checkpoint=checkpoint, data_root=data_root, reference_nme=ref_nme,
                num_test=len(pd.build_backend_model(ort_cfg, cfg, [files['onnxruntime'][1]])[0]
                             .build_dataloader(cfg.test_dataloader).dataset),
                rows=rows)
    with open(osp.join(args.work_dir, 'benchmark.json'), 'w') as f:
        json.dump(info, f, indent=2)
    print(f'\nCPU: {info["cpu"]}, 1 thread, median of {args.runs} runs, batch 1, '
          f'input {w}x{h}; NME on {info["num_test"]} test faces of {data_root}\n')
    print('| backend | size (KB) | latency (ms) | NME (%) | NME rise | heatmap max-abs | '
          'keypoint max px (stable) | keypoint mean px | unstable |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        f = lambda k, fmt: (fmt.format(r[k]) if k in r else '-')  # noqa: E731
        print(f'| {r["backend"]} | {r["size_kb"]:.0f} | {r["latency_ms"]:.2f} | '
              f'{f("nme", "{:.3f}")} | {f("nme_rise", "{:+.1%}")} | '
              f'{f("heatmap_max_abs", "{:.2e}")} | {f("keypoint_max_px_stable", "{:.2e}")} | '
              f'{f("keypoint_mean_px", "{:.2e}")} | {f("unstable_fraction", "{:.1%}")} |')
    worst = max(r['nme_rise'] for r in rows if r['backend'].startswith('tflite int8'))
    print(f'\nlargest int8 NME rise: {worst:+.2%} (bound {args.max_int8_nme_rise:.0%})')
    return 0 if worst < args.max_int8_nme_rise else 1


if __name__ == '__main__':
    sys.exit(main())
