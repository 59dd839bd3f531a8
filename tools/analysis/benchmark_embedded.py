"""Embedded-model benchmark: params, GFLOPs, TFLite sizes, 1-thread latency, NME, vs dlib ERT.

    python tools/analysis/benchmark_embedded.py \
        --model configs/embedded/td-hm_mobilenetv2-0.5_..._128x128-hm8.py CKPT.pth \
        [--model CFG CKPT ...] --data-root data/synthetic_wflw_160/ \
        --work-dir work_dirs/embedded/bench [--runs 300] [--faces 100]

For every model: ONNX (mmdeploy, POPoS decoder in the graph) and TFLite fp32 / full int8
(litert-torch + ai-edge-quantizer, decoder in float, calibrated on real train crops) through
``popos.deploy``; latency = median of ``--runs`` single-image calls, 1 thread, batch 1. NME
of the ONNX and int8 TFLite models on the test split (mmdeploy backend model + test loop).

dlib's 68-point ERT predictor (``face_recognition_models``) is timed *in the same process* on
the same faces and boxes: per face, ``shape_predictor(image, box)`` against our
``crop (warpAffine, as TopdownAffine) + normalise + TFLite int8``. Ratios < 1 mean faster
than dlib. (dlib predicts 68 points, our models 98: the comparison is speed, not accuracy.)
"""
import argparse
import json
import os
import os.path as osp
import sys
from importlib.util import module_from_spec, spec_from_file_location

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)


def _load_tool(name: str):
    spec = spec_from_file_location(name, osp.join(REPO, 'tools', 'analysis', f'{name}.py'))
    mod = module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', nargs=2, action='append', metavar=('CONFIG', 'CHECKPOINT'),
                   required=True, help='model config and checkpoint (repeatable)')
    p.add_argument('--data-root', required=True, help='WFLW-layout data (test split evaluated)')
    p.add_argument('--work-dir', default='work_dirs/embedded/bench')
    p.add_argument('--runs', type=int, default=300, help='timed calls per backend (>= 50)')
    p.add_argument('--faces', type=int, default=100, help='test faces for the dlib comparison')
    p.add_argument('--skip-nme', action='store_true')
    return p.parse_args()


def test_faces(cfg, data_root: str, num: int):
    """[(BGR image, bbox xyxy)] of the first ``num`` faces of the test annotation file."""
    import cv2
    ds = cfg.test_dataloader.dataset
    with open(osp.join(data_root, ds.ann_file)) as f:
        coco = json.load(f)
    images = {im['id']: im['file_name'] for im in coco['images']}
    faces = []
    for ann in coco['annotations'][:num]:
        img = cv2.imread(osp.join(data_root, ds.data_prefix['img'], images[ann['image_id']]))
        if img is None:
            raise FileNotFoundError(images[ann['image_id']])
        if 'bbox' in ann:
            x, y, w, h = ann['bbox']
            box = np.array([x, y, x + w, y + h], dtype=np.float32)
        else:  # WFLW style: center + scale (x200)
            c, s = np.array(ann['center'], np.float32), float(ann['scale']) * 200
            box = np.array([c[0] - s / 2, c[1] - s / 2, c[0] + s / 2, c[1] + s / 2], np.float32)
        faces.append((img, box))
    return faces


class CropNormalise:
    """The test pipeline for one face: GetBBoxCenterScale(1.25) + TopdownAffine + normalise."""

    def __init__(self, cfg) -> None:
        from mmpose.structures.bbox import bbox_xyxy2cs, get_warp_matrix
        self._cs, self._warp = bbox_xyxy2cs, get_warp_matrix
        self.w, self.h = (int(v) for v in cfg.codec['input_size'])
        pre = cfg.model.data_preprocessor
        self.mean = np.array(pre['mean'], np.float32).reshape(3, 1, 1)
        self.std = np.array(pre['std'], np.float32).reshape(3, 1, 1)

    def __call__(self, img: np.ndarray, box: np.ndarray) -> np.ndarray:
        import cv2
        center, scale = self._cs(box[None], padding=1.25)
        scale = scale[0] * max(1.0, (self.w / self.h) * scale[0][1] / scale[0][0])
        mat = self._warp(center[0], scale, 0, output_size=(self.w, self.h))
        crop = cv2.warpAffine(img, mat, (self.w, self.h), flags=cv2.INTER_LINEAR)
        x = crop[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)  # BGR -> RGB, CHW
        return ((x - self.mean) / self.std)[None]


def export_all(cfg, ckpt: str, img: str, out_dir: str):
    """(onnx path, {precision: tflite path}) with the decoder in the graph."""
    import torch

    import popos.deploy as pd
    from popos.deploy.calibration import dataset_inputs
    from popos.deploy.modules import export_module
    from popos.deploy.tflite import convert
    w, h = (int(v) for v in cfg.codec['input_size'])
    ort_cfg = osp.join(REPO, f'configs/deploy/pose-detection_onnxruntime_decode_static-{w}x{h}.py')
    onnx = pd.export_onnx(ort_cfg, cfg, ckpt, img, out_dir)
    module = export_module(pd.build_torch_model(cfg, ckpt), decode=True)
    sample = torch.from_numpy(dataset_inputs(cfg, 'val', 1))
    calib = dataset_inputs(cfg, 'train', 64)
    fp32 = osp.join(out_dir, 'end2end_decode_fp32.tflite')
    tfl = dict(fp32=convert(module, sample, fp32, 'fp32', True))
    tfl['int8'] = convert(module, sample, osp.join(out_dir, 'end2end_decode_int8.tflite'),
                          'int8', True, calib, float_path=fp32, reuse_float=True)
    return onnx, tfl


def main() -> int:
    args = parse_args()
    if args.runs < 50:
        sys.exit('--runs must be >= 50')
    import torch
    torch.set_num_threads(1)
    import cv2
    try:
        import dlib
        import face_recognition_models
    except ImportError as err:
        sys.exit(f'the dlib peer is missing ({err}): pip install -c .venv/popos-constraints.txt '
                 '-r requirements/benchmark.txt')
    from mmengine.config import Config

    import popos.deploy as pd
    import popos.embedded  # noqa: F401
    from popos.deploy.runners import build_runner, median_ms
    cv2.setNumThreads(1)
    complexity = _load_tool('get_flops').complexity
    os.makedirs(args.work_dir, exist_ok=True)

    predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
    rows, faces = [], None
    for cfg_path, ckpt in args.model:
        cfg = Config.fromfile(cfg_path)
        for split in ('train', 'val', 'test'):
            cfg[f'{split}_dataloader'].dataset.data_root = args.data_root
        name = osp.splitext(osp.basename(cfg_path))[0]
        out_dir = osp.join(args.work_dir, name)
        faces = faces or test_faces(cfg, args.data_root, args.faces)
        img_path = osp.join(out_dir, 'face0.png')
        os.makedirs(out_dir, exist_ok=True)
        cv2.imwrite(img_path, faces[0][0])
        onnx, tfl = export_all(cfg, ckpt, img_path, out_dir)
        cost = complexity(cfg)
        crop = CropNormalise(cfg)
        crops = [crop(img, box) for img, box in faces]
        n = len(crops)
        row = dict(model=name, checkpoint=ckpt, input=cost['input'], heatmap=cost['heatmap'],
                   params_m=cost['params_m'], gflops=cost['gflops'],
                   tflite_fp32_kb=osp.getsize(tfl['fp32']) / 1024,
                   tflite_int8_kb=osp.getsize(tfl['int8']) / 1024)
        runners = {key: build_runner(path, threads=1) for key, path in (
            ('onnx', onnx), ('tflite_fp32', tfl['fp32']), ('tflite_int8', tfl['int8']))}
        for key, runner in runners.items():
            row[f'{key}_ms'] = median_ms(lambda i, r=runner: r(crops[i % n]), args.runs)
        row['int8_crop_ms'] = median_ms(
            lambda i: runners['tflite_int8'](crop(*faces[i % n])), args.runs)
        # dlib measured here, between our models, so load changes hit both alike
        row['dlib_ms'] = median_ms(
            lambda i: predictor(faces[i % n][0], dlib.rectangle(*(int(round(v)) for v in
                                                                   faces[i % n][1]))), args.runs)
        if not args.skip_nme:
            dcfg = lambda p: osp.join(REPO, 'configs/deploy', p)  # noqa: E731
            w, h = (int(v) for v in cfg.codec['input_size'])
            row['nme_onnx'] = pd.evaluate_backend(
                dcfg(f'pose-detection_onnxruntime_decode_static-{w}x{h}.py'), cfg, [onnx],
                osp.join(out_dir, 'eval_onnx'))['NME']
            row['nme_int8'] = pd.evaluate_backend(
                dcfg(f'pose-detection_tflite_int8_decode_static-{w}x{h}.py'), cfg, [tfl['int8']],
                osp.join(out_dir, 'eval_int8'))['NME']
        rows.append(row)
        print(json.dumps(row))
    with open(osp.join(args.work_dir, 'benchmark_embedded.json'), 'w') as f:
        json.dump(dict(runs=args.runs, faces=len(faces), threads=1, rows=rows), f, indent=2)
    print(f'\n1 thread, batch 1, median of {args.runs} calls over {len(faces)} test faces of '
          f'{args.data_root}; dlib = 68-point ERT (face_recognition_models), same faces/boxes\n')
    print('| model | input | heatmap | params (M) | GFLOPs | TFLite fp32 / int8 (KB) | ONNX ms | '
          'TFLite fp32 ms | TFLite int8 ms | int8 + crop ms | dlib ms | int8+crop / dlib | '
          'NME ONNX / int8 (%) |')
    print('|' + '---|' * 13)
    for r in rows:
        nme = (f'{r["nme_onnx"]:.2f} / {r["nme_int8"]:.2f}' if 'nme_onnx' in r else '-')
        print(f'| {r["model"]} | {r["input"][0]} | {r["heatmap"][0]}×{r["heatmap"][1]} | '
              f'{r["params_m"]:.3f} | {r["gflops"]:.4f} | {r["tflite_fp32_kb"]:.0f} / '
              f'{r["tflite_int8_kb"]:.0f} | {r["onnx_ms"]:.3f} | {r["tflite_fp32_ms"]:.3f} | '
              f'{r["tflite_int8_ms"]:.3f} | {r["int8_crop_ms"]:.3f} | {r["dlib_ms"]:.3f} | '
              f'{r["int8_crop_ms"] / r["dlib_ms"]:.2f} | {nme} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
