"""Embedded models on real faces: size, GFLOPs, NME of ONNX / TFLite, ms per face vs dlib's ERT.

    python tools/analysis/benchmark_embedded.py \
        --model configs/300w/td-hm_mobilenetv2_popos-1xb32-1200it_300w-64x64-hm8.py CKPT.pth \
        [--model CFG CKPT ...] --work-dir work_dirs/embedded_bench [--runs 300] [--faces 100]

For every model: ONNX (mmdeploy, POPoS decoder in the graph) and TFLite fp32 / full int8
(litert-torch + ai-edge-quantizer, calibrated on 64 labelled train faces cropped by the test
pipeline)
through ``popos.deploy``. Accuracy: every face of the config's val split (real 300-W val
with ``data/300w``), its annotation box, through :class:`popos.apis.predictor.LandmarkPredictor` --
the code ``FaceLandmarker(backend='onnxruntime'|'tflite')`` runs -- NME inter-ocular (outer
eye corners), FR@0.1 and AUC@0.1.

Latency, one thread, batch 1, median of ``--runs`` calls over the first ``--faces`` val faces,
in ``--repeats`` rounds (the ratio to dlib is the median of the rounds' ratios, with their range):
``LandmarkPredictor.predict(image, box)`` = crop + normalise + network + decode (in the graph)
+ mapping back to image px, and the exported graph alone (network + decoder). dlib's 68-point
ERT predictor (``face_recognition_models``) runs *in the same process*, call by call in turn
with ours (the ratio is per backend, from the same rounds), on the same images, from the box its
own detector would give for that face (the tight landmark box mapped through the inverse of
``DlibFaceDetector.calibration``); its NME on the same faces is printed too, but dlib's
model was trained on 300-W's images, so that number is flattering.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np

TOOLS = osp.dirname(osp.abspath(__file__))


def _load_tool(name: str):
    from importlib.util import module_from_spec, spec_from_file_location
    spec = spec_from_file_location(name, osp.join(TOOLS, f'{name}.py'))
    mod = module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', nargs=2, action='append', metavar=('CONFIG', 'CHECKPOINT'),
                   required=True, help='model config and checkpoint (repeatable)')
    p.add_argument('--work-dir', default='work_dirs/embedded_bench')
    p.add_argument('--runs', type=int, default=300, help='timed calls per backend (>= 50)')
    p.add_argument('--faces', type=int, default=100, help='val faces cycled through for timing')
    p.add_argument('--calib', type=int, default=64, help='train crops for int8 calibration')
    p.add_argument('--repeats', type=int, default=5,
                   help='timing rounds per backend; the ratio is reported as median (min-max)')
    return p.parse_args()


def val_faces(cfg):
    """[(BGR image, landmark box xyxy, 68 GT points)] of the config's val split."""
    import cv2

    from popos.apis.five_point import load_coco_faces
    from popos.datasets.face_box import face_box
    ds = cfg.val_dataloader.dataset
    ann = osp.join(ds.data_root, ds.ann_file)
    k = int(cfg.model.head.out_channels)
    faces = []
    for face in load_coco_faces(ann, osp.join(ds.data_root, ds.data_prefix['img']), k):
        img = cv2.imread(face['file'])
        if img is None:
            raise FileNotFoundError(face['file'])
        faces.append((img, face_box(face['ann'], ann)[0][0], face['keypoints']))
    return faces


def calibration_config(cfg):
    """The config with a train split of labelled faces seen through the *test* pipeline.

    int8 ranges come from real crops as the deployed model sees them: no flip, rotation or
    photometric noise (which would also make the file differ from run to run). A combined
    train set (labelled + pseudo-labelled faces) calibrates on its first, labelled, dataset.
    """
    cfg = cfg.copy()
    train = cfg.train_dataloader.dataset
    if train.get('type') == 'CombinedDataset':
        train = train.datasets[0]
    train = train.copy()
    train.pipeline = cfg.val_dataloader.dataset.pipeline
    train.test_mode = True
    cfg.train_dataloader = dict(dataset=train)
    return cfg


def export_all(cfg, ckpt: str, img_path: str, out_dir: str, calib: int):
    """(onnx path, {precision: tflite path}) with the decoder in the graph."""
    import torch

    import popos.deploy as pd
    from popos.deploy.calibration import dataset_inputs
    from popos.deploy.modules import export_module
    from popos.deploy.tflite import convert
    repo = osp.dirname(osp.dirname(TOOLS))
    ort_cfg = osp.join(repo, 'configs/deploy/pose-detection_onnxruntime_decode_static.py')
    onnx = pd.export_onnx(ort_cfg, cfg, ckpt, img_path, out_dir)
    module = export_module(pd.build_torch_model(cfg, ckpt), decode=True)
    sample = torch.from_numpy(dataset_inputs(cfg, 'val', 1))
    fp32 = osp.join(out_dir, 'end2end_decode_fp32.tflite')
    tfl = dict(fp32=convert(module, sample, fp32, 'fp32', True))
    tfl['int8'] = convert(module, sample, osp.join(out_dir, 'end2end_decode_int8.tflite'),
                          'int8', True, dataset_inputs(calibration_config(cfg), 'train', calib),
                          float_path=fp32,
                          reuse_float=True)
    return onnx, tfl


def accuracy(pred: np.ndarray, gt: np.ndarray) -> dict:
    """NME (%), FR@0.1 (%), AUC@0.1 (%), inter-ocular = outer eye corners (36, 45)."""
    from popos.apis.five_point import summarise
    from popos.evaluation.functional.face_eval import eye_distance, normalised_errors
    nme, fr, auc = summarise(normalised_errors(pred, gt, eye_distance(gt, [36], [45])).mean(1))
    return dict(nme=nme, fr=fr, auc=auc)


def dlib_box(points: np.ndarray):
    """The box dlib's HOG detector gives for a face with these landmarks.

    ``DlibFaceDetector.calibration`` maps dlib's boxes to the tight box around the landmarks
    (fitted by benchmark_detectors.py); its inverse gives dlib's box back.
    """
    import dlib

    from popos.apis.detectors import DlibFaceDetector
    box = np.r_[points.min(0), points.max(0)]
    dx, dy, sw, sh = DlibFaceDetector.calibration
    w, h = (box[2] - box[0]) / sw, (box[3] - box[1]) / sh
    cx, cy = (box[0] + box[2]) / 2 - dx * w, (box[1] + box[3]) / 2 - dy * h
    return dlib.rectangle(*(int(round(v)) for v in (cx - w / 2, cy - h / 2, cx + w / 2,
                                                     cy + h / 2)))


def main() -> int:
    args = parse_args()
    if args.runs < 50:
        sys.exit('--runs must be >= 50')
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
    import cv2
    import torch
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    try:
        import dlib
        import face_recognition_models
    except ImportError as err:
        sys.exit(f'the dlib peer is missing ({err}): pip install -c .venv/popos-constraints.txt '
                 '-r requirements/benchmark.txt')
    from mmengine.config import Config

    import popos  # noqa: F401
    from popos.apis.predictor import LandmarkPredictor
    from popos.deploy.runners import build_runner, interleaved_ms
    complexity = _load_tool('get_flops').complexity
    os.makedirs(args.work_dir, exist_ok=True)
    ert = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
    rows = []
    for cfg_path, ckpt in args.model:
        cfg = Config.fromfile(cfg_path)
        name = osp.splitext(osp.basename(cfg_path))[0]
        out_dir = osp.join(args.work_dir, name)
        os.makedirs(out_dir, exist_ok=True)
        faces = val_faces(cfg)
        gt = np.stack([f[2] for f in faces]).astype(np.float64)
        cv2.imwrite(osp.join(out_dir, 'face0.png'), faces[0][0])
        onnx, tfl = export_all(cfg, ckpt, osp.join(out_dir, 'face0.png'), out_dir, args.calib)
        cost = complexity(cfg)
        row = dict(model=name, checkpoint=ckpt, input=cost['input'], heatmap=cost['heatmap'],
                   params_m=cost['params_m'], gflops=cost['gflops'],
                   onnx_kb=osp.getsize(onnx) / 1024,
                   tflite_fp32_kb=osp.getsize(tfl['fp32']) / 1024,
                   tflite_int8_kb=osp.getsize(tfl['int8']) / 1024, faces=len(faces))
        timed = faces[:args.faces]
        n = len(timed)
        rgb = [np.ascontiguousarray(img[..., ::-1]) for img, _, _ in faces]
        rects = [dlib_box(points) for _, _, points in faces]
        shapes = [ert(im, r) for im, r in zip(rgb, rects)]
        row['dlib'] = accuracy(np.array([[(p.x, p.y) for p in s.parts()] for s in shapes],
                                        np.float64), gt)
        dlib_call = lambda i: ert(rgb[i % n], rects[i % n])  # noqa: E731
        dlib_times = []
        for key, path in (('onnx', onnx), ('tflite_fp32', tfl['fp32']),
                          ('tflite_int8', tfl['int8'])):
            pred = LandmarkPredictor(cfg, build_runner(path, threads=1))
            kpts = np.concatenate([pred.predict(img, box[None])[0] for img, box, _ in faces])
            row[key] = accuracy(kpts.astype(np.float64), gt)
            crops = [pred.crops(img, box[None])[0] for img, box, _ in timed]
            # the exported graph alone (network + decoder), the whole per-face call and dlib's
            # predictor, in turn
            rounds = np.array([interleaved_ms(
                [lambda i, p=pred: p.runner(crops[i % n]),
                 lambda i, p=pred: p.predict(timed[i % n][0], timed[i % n][1][None]),
                 dlib_call], args.runs) for _ in range(args.repeats)])
            graph, face, ref = np.median(rounds, axis=0)
            ratios = rounds[:, 1] / rounds[:, 2]
            row[key].update(graph_ms=float(graph), face_ms=float(face), dlib_ms=float(ref),
                            ratio_to_dlib=float(np.median(ratios)),
                            ratio_range=[float(ratios.min()), float(ratios.max())])
            dlib_times.append(float(ref))
        row['dlib_ms'] = float(np.median(dlib_times))
        if max(dlib_times) > 1.2 * min(dlib_times):
            print(f'WARNING: dlib took {", ".join(f"{t:.2f}" for t in dlib_times)} ms in the three '
                  'rounds: the machine load changed; repeat on an idle machine', file=sys.stderr)
        row['ratio_int8_to_dlib'] = row['tflite_int8']['ratio_to_dlib']
        rows.append(row)
        print(json.dumps(row))
    with open(osp.join(args.work_dir, 'benchmark_embedded.json'), 'w') as f:
        json.dump(dict(runs=args.runs, timed_faces=args.faces, threads=1, rows=rows), f, indent=2)
    print(f'\n1 thread, batch 1, median of {args.runs} calls over {min(args.faces, n)} val faces; '
          f'accuracy on all {len(faces)} val faces; dlib = 68-point ERT on the same images\n')
    print('| model | input / heatmap | params (M) | GFLOPs | int8 KB | NME ONNX / fp32 / int8 | '
          'FR / AUC int8 | graph ms int8 (net+decode) | ms/face int8 (crop+graph) | dlib ms | '
          'ratio int8 | ratio ONNX / fp32 |')
    print('|' + '---|' * 12)
    for r in rows:
        i8 = r['tflite_int8']
        print(f'| {r["model"]} | {r["input"][0]} / {r["heatmap"][0]}×{r["heatmap"][1]} | '
              f'{r["params_m"]:.2f} | {r["gflops"]:.3f} | {r["tflite_int8_kb"]:.0f} | '
              f'{r["onnx"]["nme"]:.2f} / {r["tflite_fp32"]["nme"]:.2f} / {i8["nme"]:.2f} | '
              f'{i8["fr"]:.1f} / {i8["auc"]:.1f} | {i8["graph_ms"]:.2f} | {i8["face_ms"]:.2f} | '
              f'{i8["dlib_ms"]:.2f} | {r["ratio_int8_to_dlib"]:.2f} '
              f'({i8["ratio_range"][0]:.2f}-{i8["ratio_range"][1]:.2f}) | '
              f'{r["onnx"]["ratio_to_dlib"]:.2f} / {r["tflite_fp32"]["ratio_to_dlib"]:.2f} |')
    print(f'\ndlib ERT on the same faces: NME {rows[-1]["dlib"]["nme"]:.2f} %, FR@0.1 '
          f'{rows[-1]["dlib"]["fr"]:.1f} % (trained on 300-W images: flattering)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
