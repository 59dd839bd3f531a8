"""Five-point check of a 68-point model on faces labelled with 5 points (MTFL's AFLW part).

    python tools/analysis/eval_five_point.py default            # a shipped model
    python tools/analysis/eval_five_point.py tiny --backend tflite
    python tools/analysis/eval_five_point.py CONFIG --weights CKPT [--flip-test]

Each face is framed from its five labelled points (the box fitted on 300-W's train
annotations, as ``tools/dataset_converters/pseudo_label_faces.py`` does), the model predicts
68 points, reduced to eye centres (mean of each eye contour), nose tip and mouth corners, and
scored against the labels: NME normalised by the labelled eye-centre distance, FR@0.1 and
AUC@0.1. AFLW has larger head poses (and noisier 5-point labels) than 300-W.
"""
import argparse
import json
import os
import os.path as osp

# albumentations 1.4 asks PyPI for a newer version on import (popos imports it); runs offline
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from popos.apis.cli import positive_int  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('model', help="shipped model name / alias or a model config")
    p.add_argument('--weights', help='checkpoint (torch) or exported file (onnxruntime/tflite)')
    p.add_argument('--backend', default='torch', choices=['torch', 'onnxruntime', 'tflite'])
    p.add_argument('--flip-test', action='store_true')
    p.add_argument('--ann', default='data/mtfl/annotations/mtfl_aflw_test.json')
    p.add_argument('--img-root', default='data/mtfl/images')
    p.add_argument('--ref-ann', default='data/300w/annotations/face_landmarks_300w_train.json')
    p.add_argument('--limit', type=positive_int, help='only the first N faces')
    p.add_argument('--out', help='write the summary (json) here')
    return p.parse_args()


def main() -> None:
    args = parse_args()
    import numpy as np

    from popos.apis import FaceLandmarker
    from popos.apis.five_point import (five_point_calibration, five_point_nme, load_coco_faces,
                                       predict_faces, summarise)
    faces = load_coco_faces(args.ann, args.img_root, 5)[:args.limit]
    if not faces:
        raise SystemExit(f'{args.ann} has no faces to evaluate')
    landmarker = FaceLandmarker(args.model, args.weights, detector=None, backend=args.backend,
                                flip_test=args.flip_test)
    if landmarker.num_keypoints != 68:
        raise SystemExit(f'{args.model} predicts {landmarker.num_keypoints} points; the '
                         'five-point reduction is defined for the 68-point layout')
    pred = predict_faces(landmarker, faces, five_point_calibration(args.ref_ann))
    nme, fr, auc = summarise(five_point_nme(pred, np.stack([f['keypoints'] for f in faces])))
    result = dict(model=args.model, weights=args.weights, backend=args.backend,
                  flip_test=args.flip_test, ann=args.ann, faces=len(faces), nme=nme,
                  fr_0_1=fr, auc_0_1=auc)
    print(f'\n{args.model} ({args.backend}{", flip" if args.flip_test else ""}) on '
          f'{len(faces)} faces of {osp.basename(args.ann)}: five-point NME {nme:.2f} %, '
          f'FR@0.1 {fr:.1f} %, AUC@0.1 {auc:.1f} %')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
