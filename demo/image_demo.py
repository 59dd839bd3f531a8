"""Landmarks on photos: draws each image and writes its faces as json and .pts.

    python demo/image_demo.py photo.jpg --out-dir out/            # shipped default model, dlib
    python demo/image_demo.py photos/ --out-dir out/ --model small --detector haar

For every image: ``<stem>.jpg`` (drawn), ``<stem>.json`` (boxes, scores, landmarks) and
``<stem>.pts`` (one block per face; none when no face was found).
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from popos.utils.launch import add_decoder_argument  # noqa: E402

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', help='an image or a directory of images')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--model', default='default', help='shipped name or model config')
    parser.add_argument('--weights', help='checkpoint (with a config --model)')
    parser.add_argument('--detector', default='dlib', choices=['dlib', 'haar'])
    parser.add_argument('--layout', choices=['68', '51', '5'], help='convert the landmarks')
    parser.add_argument('--device', default='cpu')
    add_decoder_argument(parser)
    parser.add_argument('--flip-test', action='store_true')
    return parser.parse_args()


def faces_to_json(faces):
    return [dict(bbox=[float(v) for v in f['bbox']], bbox_score=float(f['bbox_score']),
                 keypoints=f['keypoints'].astype(float).tolist(),
                 keypoint_scores=f['keypoint_scores'].astype(float).tolist()) for f in faces]


def main() -> int:
    args = parse_args()
    import cv2

    from popos.apis import FaceLandmarker, read_image
    from popos.apis.drawing import draw_faces
    from popos.datasets.pts import dump_pts

    if osp.isdir(args.input):
        paths = sorted(osp.join(args.input, n) for n in os.listdir(args.input)
                       if n.lower().endswith(IMAGE_EXTS))
    elif osp.isfile(args.input):
        paths = [args.input]
    else:
        sys.exit(f'no such image or directory: {args.input}')
    lm = FaceLandmarker(args.model, weights=args.weights, detector=args.detector,
                        device=args.device, layout=args.layout, flip_test=args.flip_test,
                        decoder=args.decoder)
    os.makedirs(args.out_dir, exist_ok=True)
    done = 0
    for path in paths:
        try:
            img = read_image(path)
        except (OSError, ValueError, TypeError) as err:
            print(f'WARNING: {err}', file=sys.stderr)
            continue
        faces = lm(img)
        stem = osp.join(args.out_dir, osp.splitext(osp.basename(path))[0])
        cv2.imwrite(stem + '.jpg', draw_faces(img, faces))
        with open(stem + '.json', 'w', encoding='utf-8') as f:
            json.dump(dict(image=path, faces=faces_to_json(faces)), f)
        if faces:
            dump_pts([f['keypoints'].astype(float) for f in faces], stem + '.pts')
        print(f'{path}: {len(faces)} face(s) -> {stem}.jpg')
        done += 1
    return 0 if done else 1


if __name__ == '__main__':
    sys.exit(main())
