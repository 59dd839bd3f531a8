"""Run a landmark model on a list of images: detect faces, crop, predict, write .pts / COCO json.

Backends: ``torch`` (model config + checkpoint), ``onnxruntime`` (.onnx) or ``tflite``
(.tflite, both export modes). Faces come from OpenCV's Haar cascade (default, offline; needs
an OpenCV with CascadeClassifier - OpenCV 5 moved it out), an mmdet detector
(``--det-config/--det-checkpoint``), a COCO json of boxes (``--boxes``) or ``--whole-image``.
Unreadable images are reported and skipped.

    python tools/run_model.py images.txt out/ --model-cfg CFG --backend onnxruntime \\
        --model work_dirs/deploy/end2end.onnx --format pts --draw
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image_list', help='text file, one image path per line (relative '
                        'paths are relative to the list file)')
    parser.add_argument('output_dir')
    parser.add_argument('--model-cfg', required=True, help='model config (crop, codec)')
    parser.add_argument('--backend', default='torch', choices=['torch', 'onnxruntime', 'tflite'])
    parser.add_argument('--checkpoint', help='checkpoint for --backend torch')
    parser.add_argument('--model', help='.onnx / .tflite file for the other backends')
    parser.add_argument('--format', default='pts', choices=['pts', 'coco'])
    parser.add_argument('--draw', action='store_true', help='save visualisations')
    parser.add_argument('--boxes', help='COCO json with face boxes (instead of detection)')
    parser.add_argument('--det-config', help='mmdet config (instead of the Haar cascade)')
    parser.add_argument('--det-checkpoint', help='mmdet checkpoint')
    parser.add_argument('--det-score-thr', type=float, default=0.5)
    parser.add_argument('--cascade', help='Haar cascade XML (default: OpenCV\'s bundled one)')
    parser.add_argument('--whole-image', action='store_true',
                        help='treat each image as one face crop (no detection)')
    return parser.parse_args()


def read_list(path: str):
    base = osp.dirname(osp.abspath(path))
    with open(path) as f:
        lines = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith('#')]
    return [ln if osp.isabs(ln) else osp.join(base, ln) for ln in lines]


def main() -> int:
    args = parse_args()
    import cv2
    import numpy as np

    import popos.deploy  # noqa: F401
    from popos.datasets.pts import dump_pts
    from popos.deploy.export import load_model_config
    from popos.deploy.inference import (HaarFaceDetector, JsonBoxes, MMDetFaceDetector,
                                        WholeImage, build_predictor, draw)

    if args.backend == 'torch' and not args.checkpoint:
        sys.exit('--backend torch needs --checkpoint')
    if bool(args.det_config) != bool(args.det_checkpoint):
        sys.exit('--det-config and --det-checkpoint go together')
    model_cfg = load_model_config(args.model_cfg)
    predictor = build_predictor(model_cfg, args.backend, args.model, args.checkpoint)
    if args.boxes:
        detector = JsonBoxes(args.boxes)
    elif args.det_config:
        detector = MMDetFaceDetector(args.det_config, args.det_checkpoint,
                                     score_thr=args.det_score_thr)
    elif args.whole_image:
        detector = WholeImage()
    else:
        try:
            detector = HaarFaceDetector(args.cascade)
        except (RuntimeError, FileNotFoundError, ValueError) as err:
            sys.exit(f'no face detector: {err}')
    os.makedirs(args.output_dir, exist_ok=True)
    images, annotations, failed, n_faces = [], [], [], 0
    for idx, path in enumerate(read_list(args.image_list)):
        img = cv2.imread(path) if osp.isfile(path) else None
        if img is None:
            print(f'WARNING: skipping unreadable image {path}', file=sys.stderr)
            failed.append(path)
            continue
        try:
            boxes = detector(img, path)
            faces = predictor(img, boxes)
        except Exception as err:  # one bad image must not abort the batch
            print(f'WARNING: skipping {path}: {type(err).__name__}: {err}', file=sys.stderr)
            failed.append(path)
            continue
        n_faces += len(faces)
        stem = osp.splitext(osp.basename(path))[0]
        if not faces:
            print(f'no face found in {path}', file=sys.stderr)
        if args.format == 'pts' and faces:
            dump_pts([np.asarray(f, np.float64) for f in faces],
                     osp.join(args.output_dir, stem + '.pts'))
        elif args.format == 'coco':
            images.append(dict(id=idx + 1, file_name=path, height=img.shape[0],
                               width=img.shape[1]))
            for box, pts in zip(boxes, faces):
                kp = np.concatenate([pts, np.ones((len(pts), 1))], 1).reshape(-1)
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=idx + 1, category_id=1,
                    bbox=[float(box[0]), float(box[1]), float(box[2] - box[0]),
                          float(box[3] - box[1])],
                    keypoints=[float(v) for v in kp], num_keypoints=len(pts)))
        if args.draw:
            cv2.imwrite(osp.join(args.output_dir, stem + '_vis.jpg'), draw(img, boxes, faces))
    if args.format == 'coco':
        with open(osp.join(args.output_dir, 'predictions.json'), 'w') as f:
            json.dump(dict(images=images, annotations=annotations, categories=[
                dict(id=1, name='face', supercategory='person')]), f)
    print(f'{n_faces} face(s); {len(failed)} unreadable/failed image(s) skipped '
          f'-> {args.output_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
