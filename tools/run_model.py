"""Landmarks for a list of images: one result file per image, in image pixels.

    python tools/run_model.py images.txt out/                     # shipped default model, dlib
    python tools/run_model.py images.txt out/ --layout 51 --draw
    python tools/run_model.py images.txt out/ --shipped tiny --backend tflite  # int8, embedded
    python tools/run_model.py images.txt out/ --model-cfg CFG --checkpoint CKPT.pth
    python tools/run_model.py images.txt out/ --decoder anchor_mask=monotone robust_iters=0
    python tools/run_model.py images.txt out/ --model-cfg CFG --backend tflite \\
        --model W/end2end.tflite

``images.txt`` holds one path per line (relative paths are relative to the list). For every
image that could be read, ``<stem>.pts`` is written (one block per face, largest first; an
empty file when there is no face), or with ``--format coco`` one ``predictions.json``.
Faces come from dlib's HOG detector (default, offline), OpenCV's Haar cascade, an mmdet
detector, a COCO json of boxes (``--boxes``) or ``--whole-image``. Every unreadable image is
named on stderr; the exit status is non-zero only when no image could be processed.
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from popos.utils.launch import add_decoder_argument  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image_list', help='text file, one image path per line')
    parser.add_argument('output_dir')
    parser.add_argument('--shipped', default='default',
                        help="shipped model name or alias, used without --model-cfg")
    parser.add_argument('--model-cfg', help='model config (instead of a shipped model)')
    parser.add_argument('--backend', default='torch', choices=['torch', 'onnxruntime', 'tflite'])
    parser.add_argument('--checkpoint', help='checkpoint for --backend torch and --model-cfg')
    parser.add_argument('--model', help=".onnx / .tflite file for the other backends (default: "
                        "the shipped model's own export)")
    parser.add_argument('--layout', choices=['68', '51', '5'],
                        help='convert the landmark markup (5 = eye centres, nose, mouth corners)')
    parser.add_argument('--format', default='pts', choices=['pts', 'coco'])
    parser.add_argument('--draw', action='store_true', help='save <stem>_vis.jpg too')
    parser.add_argument('--detector', default='dlib', choices=['dlib', 'haar'])
    parser.add_argument('--boxes', help='COCO json with face boxes (instead of detection)')
    parser.add_argument('--det-config', help='mmdet config (instead of dlib)')
    parser.add_argument('--det-checkpoint', help='mmdet checkpoint')
    parser.add_argument('--whole-image', action='store_true',
                        help='treat each image as one face crop (no detection)')
    parser.add_argument('--device', default='cpu')
    add_decoder_argument(parser, note=' (--backend torch)')
    return parser.parse_args(argv)


def read_list(path: str):
    base = osp.dirname(osp.abspath(path))
    with open(path, encoding='utf-8') as f:
        lines = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith('#')]
    return [ln if osp.isabs(ln) else osp.join(base, ln) for ln in lines]


def build(args):
    from popos.apis import FaceLandmarker
    if args.backend == 'torch' and args.model_cfg and not args.checkpoint:
        sys.exit('--backend torch with --model-cfg needs --checkpoint')
    if args.backend != 'torch' and args.model_cfg and not args.model:
        sys.exit(f'--backend {args.backend} with --model-cfg needs --model FILE')
    if bool(args.det_config) != bool(args.det_checkpoint):
        sys.exit('--det-config and --det-checkpoint go together')
    if args.decoder and args.backend != 'torch':
        sys.exit('--decoder needs --backend torch: an exported graph holds its decoder')
    detector = (args.det_config, args.det_checkpoint) if args.det_config else args.detector
    if args.boxes or args.whole_image:
        detector = None
    weights = args.checkpoint if args.backend == 'torch' else args.model
    return FaceLandmarker(args.model_cfg or args.shipped, weights=weights, detector=detector,
                          device=args.device, backend=args.backend, layout=args.layout,
                          decoder=args.decoder)


def main(argv=None) -> int:
    args = parse_args(argv)
    import cv2
    import numpy as np

    from popos.apis import read_image
    from popos.apis.drawing import draw_faces
    from popos.datasets.pts import format_pts
    from popos.apis.predictor import JsonBoxes

    landmarker = build(args)
    json_boxes = JsonBoxes(args.boxes) if args.boxes else None
    os.makedirs(args.output_dir, exist_ok=True)
    images, annotations, failed, done, n_faces = [], [], [], 0, 0
    for idx, path in enumerate(read_list(args.image_list)):
        try:
            img = read_image(path)
        except (OSError, ValueError, TypeError) as err:
            print(f'WARNING: skipping {path}: {err}', file=sys.stderr)
            failed.append(path)
            continue
        if json_boxes is not None:
            faces = landmarker(img, bboxes=json_boxes(img, path))
        elif args.whole_image:
            faces = landmarker(img, bboxes=[[0, 0, img.shape[1], img.shape[0]]])
        else:
            faces = landmarker(img)
        done += 1
        n_faces += len(faces)
        stem = osp.splitext(osp.basename(path))[0]
        if not faces:
            print(f'no face found in {path}', file=sys.stderr)
        if args.format == 'pts':
            text = format_pts([f['keypoints'].astype(np.float64) for f in faces]) if faces else ''
            with open(osp.join(args.output_dir, stem + '.pts'), 'w', encoding='utf-8') as f:
                f.write(text)
        else:
            images.append(dict(id=idx + 1, file_name=path, height=img.shape[0],
                               width=img.shape[1]))
            for face in faces:
                pts, (x0, y0, x1, y1) = face['keypoints'], face['bbox']
                kp = np.concatenate([pts, face['keypoint_scores'][:, None]], 1).reshape(-1)
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=idx + 1, category_id=1,
                    bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                    score=float(face['bbox_score']),
                    keypoints=[float(v) for v in kp], num_keypoints=len(pts)))
        if args.draw:
            cv2.imwrite(osp.join(args.output_dir, stem + '_vis.jpg'), draw_faces(img, faces))
    if args.format == 'coco':
        with open(osp.join(args.output_dir, 'predictions.json'), 'w', encoding='utf-8') as f:
            json.dump(dict(images=images, annotations=annotations, categories=[
                dict(id=1, name='face', supercategory='person')]), f)
    print(f'{done} image(s), {n_faces} face(s); {len(failed)} unreadable/failed image(s) '
          f'skipped -> {args.output_dir}')
    if failed:
        print('unreadable: ' + ', '.join(failed), file=sys.stderr)
    return 0 if done else 1


if __name__ == '__main__':
    sys.exit(main())
