"""Landmarks on photos: draws each image and writes its faces as json and .pts.

    python demo/image_demo.py photo.jpg --out-dir out/            # shipped default model, dlib
    python demo/image_demo.py photos/ --out-dir out/ --model small --detector haar
    python demo/image_demo.py photos/ --out-dir out/ --model tiny --backend tflite   # int8
    python demo/image_demo.py photos/ --out-dir out/ --model CFG --backend onnxruntime \\
        --weights end2end.onnx

For every readable image: ``<name>.jpg`` (drawn), ``<name>.json`` (boxes, scores, landmarks)
and ``<name>.pts`` (one block per face; an empty file when no face was found). ``<name>`` is
the image's stem, or its full file name when two images share a stem (``a.jpg``, ``a.png`` ->
``a.jpg.jpg``, ``a.png.jpg``, ...). Files of an earlier run are replaced; the output directory
must not be the images' own directory (the drawings would replace the photos).
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from popos.utils.launch import add_decoder_argument  # noqa: E402
from popos.apis.cli import (BACKENDS, IMAGE_EXTS, build_landmarker, check_model,  # noqa: E402
                            parse_cli, plan_outputs, remove_stale)

SUFFIXES = ('.jpg', '.json', '.pts')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', help='an image or a directory of images')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--model', default='default', help='shipped name or model config')
    parser.add_argument('--weights', help='checkpoint (--backend torch; needed with a config '
                        "--model), or the exported .onnx / .tflite file (default: the shipped "
                        "model's own export)")
    parser.add_argument('--backend', default='torch', choices=BACKENDS)
    parser.add_argument('--detector', default='dlib', choices=['dlib', 'haar'])
    parser.add_argument('--layout', choices=['68', '51', '5'], help='convert the landmarks')
    parser.add_argument('--device', default='cpu')
    add_decoder_argument(parser, note=' (--backend torch)')
    parser.add_argument('--flip-test', action='store_true', help='(--backend torch)')
    return parse_cli(parser, argv)


def faces_to_json(faces):
    return [dict(bbox=[float(v) for v in f['bbox']], bbox_score=float(f['bbox_score']),
                 keypoints=f['keypoints'].astype(float).tolist(),
                 keypoint_scores=f['keypoint_scores'].astype(float).tolist()) for f in faces]


def main(argv=None) -> int:
    args = parse_args(argv)
    if osp.isdir(args.input):
        paths = sorted(osp.join(args.input, n) for n in os.listdir(args.input)
                       if n.lower().endswith(IMAGE_EXTS))
        if not paths:
            sys.exit(f'no image in {args.input} (looked for {", ".join(IMAGE_EXTS)})')
    elif osp.isfile(args.input):
        paths = [args.input]
    else:
        sys.exit(f'no such image or directory: {args.input}')
    if args.flip_test and args.backend != 'torch':
        sys.exit('--flip-test needs --backend torch: an exported graph holds one forward pass')
    check_model(args.model, args.weights, args.backend, args.decoder)
    bases = plan_outputs(paths, args.out_dir, SUFFIXES)

    import cv2
    import numpy as np

    from popos.apis import read_image
    from popos.apis.drawing import draw_faces
    from popos.apis.predictor import ExportMismatchError
    from popos.datasets.pts import format_pts

    lm = build_landmarker(args.model, weights=args.weights, detector=args.detector,
                          device=args.device, backend=args.backend, layout=args.layout,
                          flip_test=args.flip_test, decoder=args.decoder)
    os.makedirs(args.out_dir, exist_ok=True)
    done = 0
    for path, base in zip(paths, bases):
        try:
            img = read_image(path)
        except (OSError, ValueError, TypeError) as err:
            removed = remove_stale(base, SUFFIXES)
            note = f' (removed the earlier result {", ".join(removed)})' if removed else ''
            print(f'WARNING: skipping {path}: {err}{note}', file=sys.stderr)
            continue
        try:
            faces = lm(img)
        except ExportMismatchError as err:  # the model, not this image: stop
            sys.exit(str(err))
        cv2.imwrite(base + '.jpg', draw_faces(img, faces))
        with open(base + '.json', 'w', encoding='utf-8') as fh:
            json.dump(dict(image=path, faces=faces_to_json(faces)), fh)
        # an empty .pts for no face, as tools/run_model.py: every image has its file
        with open(base + '.pts', 'w', encoding='utf-8') as fh:
            fh.write(format_pts([f['keypoints'].astype(np.float64) for f in faces])
                    if faces else '')
        print(f'{path}: {len(faces)} face(s) -> {base}.jpg/.json/.pts')
        done += 1
    if not done:
        print(f'no image could be read ({len(paths)} tried)', file=sys.stderr)
    return 0 if done else 1


if __name__ == '__main__':
    sys.exit(main())
