"""Landmarks for a list of images: one result file per image, in image pixels.

    python tools/run_model.py images.txt out/                     # shipped default model, dlib
    python tools/run_model.py images.txt out/ --layout 51 --draw
    python tools/run_model.py images.txt out/ --shipped tiny                   # PyTorch
    python tools/run_model.py images.txt out/ --shipped tiny --backend tflite  # int8, embedded
    python tools/run_model.py images.txt out/ --model-cfg CFG --checkpoint CKPT.pth
    python tools/run_model.py images.txt out/ --decoder anchor_mask=monotone robust_iters=0
    python tools/run_model.py images.txt out/ --model-cfg CFG --model W/end2end_decode_int8.tflite

The model: ``--shipped NAME`` (default ``default``) or ``--model-cfg CFG`` (one of the two).
Its weights: for PyTorch the shipped checkpoint or ``--checkpoint CKPT``; for an exported
model ``--model FILE`` (``.onnx`` -> onnxruntime, ``.tflite`` -> tflite; ``--backend`` may be
left out), or the shipped model's own export with ``--backend onnxruntime|tflite``.
A combination that cannot mean what it says is refused with a message.

``images.txt`` holds one path per line (relative paths are relative to the list; blank lines
and ``#`` comments are skipped). Output names: every image's results go to the output dir
under the image's directory relative to the images' common parent directory (``s1/img.jpg``
-> ``OUT/s1/img.pts``), named by the image's stem, or by its full file name when two images of
one directory share a stem (``a.jpg``, ``a.png`` -> ``a.jpg.pts``, ``a.png.pts``). For every
image that could be read ``<name>.pts`` is written (one block per face, largest first; an
empty file when there is no face; an earlier run's file is replaced), or with ``--format
coco`` one ``predictions.json``. Results are never written into a directory holding the input
images (that could replace the images or their own ``.pts`` annotations).
Faces come from dlib's HOG detector (default, offline), OpenCV's Haar cascade, an mmdet
detector, a COCO json of boxes (``--boxes``, matched by file name) or ``--whole-image``.
Every unreadable image is named on stderr (and an earlier run's results for it are removed);
the exit status is non-zero only when no image could be processed.
"""
import argparse
import json
import os
import os.path as osp
import sys
from collections import Counter
from typing import List, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from popos.apis.cli import (BACKENDS, EXPORT_EXTS, IMAGE_EXTS, build_landmarker,  # noqa: E402
                            check_model, parse_cli, plan_outputs, remove_stale, shipped_names)
from popos.utils.launch import add_decoder_argument  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image_list', help='text file, one image path per line')
    parser.add_argument('output_dir')
    parser.add_argument('--shipped', help="shipped model name or alias (default: 'default'); "
                        'not with --model-cfg')
    parser.add_argument('--model-cfg', help='model config (instead of a shipped model)')
    parser.add_argument('--backend', choices=BACKENDS,
                        help='default: from --model\'s extension, else torch')
    parser.add_argument('--checkpoint', help='PyTorch checkpoint (--backend torch; default for '
                        '--shipped: the shipped one)')
    parser.add_argument('--model', help=".onnx / .tflite file exported from the --shipped or "
                        "--model-cfg model (default with --backend onnxruntime|tflite: the "
                        "shipped model's own export)")
    parser.add_argument('--layout', choices=['68', '51', '5'],
                        help='convert the landmark markup (5 = eye centres, nose, mouth corners)')
    parser.add_argument('--format', default='pts', choices=['pts', 'coco'])
    parser.add_argument('--draw', action='store_true', help='save <name>_vis.jpg too')
    parser.add_argument('--detector', choices=['dlib', 'haar'], help='default: dlib')
    parser.add_argument('--boxes', help='COCO json with face boxes (instead of detection)')
    parser.add_argument('--det-config', help='mmdet config (instead of dlib)')
    parser.add_argument('--det-checkpoint', help='mmdet checkpoint')
    parser.add_argument('--whole-image', action='store_true',
                        help='treat each image as one face crop (no detection)')
    parser.add_argument('--device', default='cpu')
    add_decoder_argument(parser, note=' (--backend torch)')
    return parse_cli(parser, argv)


def read_list(path: str) -> List[str]:
    """Image paths of a list file; exits with a message for a missing, binary or empty list."""
    if osp.isdir(path):
        sys.exit(f'{path} is a directory: pass a text file listing one image path per line')
    if not osp.isfile(path):
        sys.exit(f'image list not found: {path}')
    base = osp.dirname(osp.abspath(path))
    try:
        with open(path, encoding='utf-8') as f:
            lines = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith('#')]
    except UnicodeDecodeError:
        hint = ' (an image?)' if path.lower().endswith(IMAGE_EXTS) else ''
        sys.exit(f'{path} is not a text file{hint}: pass a text file listing one image path '
                 'per line')
    if not lines:
        sys.exit(f'the image list {path} names no image (only blank lines or # comments)')
    paths, seen = [], set()
    for ln in lines:
        p = ln if osp.isabs(ln) else osp.join(base, ln)
        if osp.realpath(p) in seen:
            print(f'WARNING: {p} is listed more than once; processed once', file=sys.stderr)
            continue
        seen.add(osp.realpath(p))
        paths.append(p)
    return paths


def resolve_backend(args) -> None:
    """Fill ``args.backend`` / ``args.shipped``; exit on a combination that cannot work."""
    if args.shipped and args.model_cfg:
        sys.exit('--shipped and --model-cfg are alternatives: pass one')
    if args.model is not None:
        ext = osp.splitext(args.model)[1].lower()
        if not osp.isfile(args.model):
            if args.model in shipped_names():
                sys.exit(f'--model takes an exported .onnx / .tflite file; for the shipped '
                         f'model use --shipped {args.model}')
            sys.exit(f'--model {args.model}: no such file')
        if ext not in EXPORT_EXTS:
            sys.exit(f'--model {args.model}: expected an exported .onnx or .tflite file (a '
                     'PyTorch checkpoint goes to --checkpoint)')
        if args.backend is None:
            args.backend = EXPORT_EXTS[ext]
        elif args.backend != EXPORT_EXTS[ext]:
            sys.exit(f'--model {args.model} needs --backend {EXPORT_EXTS[ext]} (got --backend '
                     f'{args.backend})')
        if not (args.shipped or args.model_cfg):
            sys.exit(f'--model {args.model}: name the model it was exported from with '
                     '--shipped NAME or --model-cfg CFG')
    args.backend = args.backend or 'torch'
    if args.checkpoint is not None and args.backend != 'torch':
        sys.exit(f'--checkpoint is for --backend torch; --backend {args.backend} takes the '
                 'exported file with --model')
    if args.backend != 'torch' and args.model_cfg and not args.model:
        sys.exit(f'--backend {args.backend} with --model-cfg needs --model FILE')
    if args.backend == 'torch' and args.model_cfg and not args.checkpoint:
        sys.exit('--backend torch with --model-cfg needs --checkpoint')
    if args.model_cfg and not osp.isfile(args.model_cfg):
        sys.exit(f'--model-cfg {args.model_cfg}: no such file')
    if args.shipped and args.shipped not in shipped_names():
        sys.exit(f'--shipped {args.shipped}: not a shipped model; choose from '
                 f'{", ".join(shipped_names())}')
    if not args.model_cfg:
        args.shipped = args.shipped or 'default'
    if bool(args.det_config) != bool(args.det_checkpoint):
        sys.exit('--det-config and --det-checkpoint go together')
    given = [n for n, v in (('--boxes', args.boxes), ('--whole-image', args.whole_image),
                            ('--detector', args.detector), ('--det-config', args.det_config))
             if v]
    if len(given) > 1:
        sys.exit(f'{" and ".join(given)} are alternative sources of face boxes: pass one')


def build(args):
    resolve_backend(args)
    model = args.model_cfg or args.shipped
    weights = args.checkpoint if args.backend == 'torch' else args.model
    check_model(model, weights, args.backend, args.decoder,
                weights_flag='--checkpoint' if args.backend == 'torch' else '--model',
                model_flag='--model-cfg' if args.model_cfg else '--shipped')
    detector = (args.det_config, args.det_checkpoint) if args.det_config else (
        args.detector or 'dlib')
    if args.boxes or args.whole_image:
        detector = None
    return build_landmarker(model, weights=weights, detector=detector, device=args.device,
                            backend=args.backend, layout=args.layout, decoder=args.decoder)


def load_boxes(path: str, images: Sequence[str]):
    """JsonBoxes of ``path``, or an exit when it cannot tell the listed images apart (it
    matches by file name without directories)."""
    from popos.apis.predictor import JsonBoxes
    if not osp.isfile(path):
        sys.exit(f'--boxes {path}: no such file')
    try:
        with open(path, encoding='utf-8') as f:
            names = [im['file_name'] for im in json.load(f).get('images', [])]
        boxes = JsonBoxes(path)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        sys.exit(f'--boxes {path}: not a COCO json with images[].file_name and '
                 f'annotations[].bbox ({type(err).__name__}: {err})')
    for what, files in (('the list', images), (path, names)):
        counts = Counter(osp.basename(n) for n in files)
        twice = sorted(n for n, c in counts.items() if c > 1)
        if twice:
            sys.exit(f'--boxes matches images by file name, but {what} has several images '
                     f'named {twice[0]}: their boxes would be mixed up')
    return boxes


def main(argv=None) -> int:
    args = parse_args(argv)
    # everything the user typed is checked before the model loads
    paths = read_list(args.image_list)
    resolve_backend(args)
    json_boxes = load_boxes(args.boxes, paths) if args.boxes else None
    suffixes = (['.pts'] if args.format == 'pts' else []) + (['_vis.jpg'] if args.draw else [])
    bases = plan_outputs(paths, args.output_dir, suffixes)
    if args.format == 'coco' and osp.realpath(osp.join(args.output_dir, 'predictions.json')) in {
            osp.realpath(p) for p in paths}:
        sys.exit('predictions.json in the output directory is an input; choose another one')

    import cv2
    import numpy as np

    from popos.apis import read_image
    from popos.apis.drawing import draw_faces
    from popos.apis.predictor import ExportMismatchError
    from popos.datasets.pts import format_pts

    landmarker = build(args)
    os.makedirs(args.output_dir, exist_ok=True)
    images, annotations, failed, done, n_faces = [], [], [], 0, 0
    for idx, (path, base) in enumerate(zip(paths, bases)):
        try:
            img = read_image(path)
            if json_boxes is not None:
                boxes = json_boxes(img, path)
                if not len(boxes):
                    print(f'no box for {path} in {args.boxes} (matched by file name '
                          f'{osp.basename(path)})', file=sys.stderr)
                faces = landmarker(img, bboxes=boxes)
            elif args.whole_image:
                faces = landmarker(img, bboxes=[[0, 0, img.shape[1], img.shape[0]]])
            else:
                faces = landmarker(img)
                if not faces:
                    print(f'no face found in {path}', file=sys.stderr)
        except ExportMismatchError as err:  # the model, not this image: stop
            sys.exit(str(err))
        except (OSError, ValueError, TypeError) as err:
            removed = remove_stale(base, suffixes)
            note = f' (removed the earlier result {", ".join(removed)})' if removed else ''
            print(f'WARNING: skipping {path}: {err}{note}', file=sys.stderr)
            failed.append(path)
            continue
        done += 1
        n_faces += len(faces)
        if suffixes:
            os.makedirs(osp.dirname(base), exist_ok=True)
        if args.format == 'pts':
            text = format_pts([f['keypoints'].astype(np.float64) for f in faces]) if faces else ''
            with open(base + '.pts', 'w', encoding='utf-8') as f:
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
            cv2.imwrite(base + '_vis.jpg', draw_faces(img, faces))
    if args.format == 'coco':
        with open(osp.join(args.output_dir, 'predictions.json'), 'w', encoding='utf-8') as f:
            json.dump(dict(images=images, annotations=annotations, categories=[
                dict(id=1, name='face', supercategory='person')]), f)
    print(f'{done} of {len(paths)} image(s), {n_faces} face(s); {len(failed)} unreadable/failed '
          f'image(s) skipped -> {args.output_dir}')
    if failed:
        print('unreadable: ' + ', '.join(failed), file=sys.stderr)
    return 0 if done else 1


if __name__ == '__main__':
    sys.exit(main())
