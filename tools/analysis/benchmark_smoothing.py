"""Landmark jitter and lag on a clip made from a real still photo moved by known amounts.

Each frame is the photo warped by a known similarity transform (sub-pixel shifts and small
scale changes), so the true landmarks of every frame are the annotated ones moved by the same
transform. The clip has a still part (the face only trembles by < 0.5 px) and a moving part
(a steady drift of ``--speed`` px per frame). Reported for raw and One-Euro-smoothed output:

- jitter: std over the still frames of the landmark error (px and % of the inter-ocular
  distance), averaged over landmarks and axes;
- lag: on the moving frames, the mean error along the motion direction (minus the still part's
  mean error, i.e. the model's own bias on this face) divided by the speed: frames behind.

    python tools/analysis/benchmark_smoothing.py --data-root data/300w --frames 90
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def make_clip(img: np.ndarray, num_still: int, num_move: int, speed: float, seed: int = 0):
    """Frames and their 2x3 transforms: trembling still part, then a steady diagonal drift."""
    import cv2
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    frames, mats = [], []
    for t in range(num_still + num_move):
        if t < num_still:
            dx, dy = rng.uniform(-0.5, 0.5, 2)
            s = 1 + rng.uniform(-0.004, 0.004)
        else:
            k = t - num_still + 1
            dx, dy = speed * k / np.sqrt(2), speed * k / np.sqrt(2)
            s = 1.0
        mat = cv2.getRotationMatrix2D((w / 2, h / 2), 0, s)
        mat[:, 2] += (dx, dy)
        frames.append(cv2.warpAffine(img, mat, (w, h), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REFLECT))
        mats.append(mat)
    return frames, mats


def run(landmarker, frames, mats, gt, fps: float, smoothing):
    from popos.apis.tracking import FaceTracker
    tracker = FaceTracker(smoothing=smoothing)
    errs = []
    for frame, mat in zip(frames, mats):
        faces = tracker.update(landmarker(frame), dt=1 / fps)
        truth = gt @ mat[:, :2].T + mat[:, 2]
        if not faces:
            errs.append(np.full_like(truth, np.nan))
            continue
        centre = truth.mean(0)
        best = min(faces, key=lambda f: np.linalg.norm(f['keypoints'].mean(0) - centre))
        errs.append(best['keypoints'] - truth)
    return np.stack(errs)  # (T, K, 2)


def summarise(err, num_still, speed, iod):
    still, move = err[:num_still], err[num_still:]
    jitter = float(np.nanmean(np.nanstd(still, axis=0)))
    direction = np.array([1, 1]) / np.sqrt(2)
    # relative to the still part's own bias; the first frames of the drift are the filter
    # catching up, not its steady lag
    along = np.nanmean(move[5:] @ direction) - np.nanmean(still @ direction)
    return dict(jitter_px=jitter, jitter_pct=jitter / iod * 100,
                lag_frames=float(-along / speed), missed=int(np.isnan(err[:, 0, 0]).sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/300w')
    parser.add_argument('--model', default='default')
    parser.add_argument('--face', type=int, default=0, help='index of the val face')
    parser.add_argument('--frames', type=int, default=90, help='still + moving frames')
    parser.add_argument('--speed', type=float, default=1.5, help='drift, px per frame')
    parser.add_argument('--fps', type=float, default=30.0)
    parser.add_argument('--min-cutoff', type=float, default=1.0)
    parser.add_argument('--beta', type=float, default=0.05)
    parser.add_argument('--out-json')
    args = parser.parse_args()
    import cv2
    import torch

    from popos.apis import FaceLandmarker
    torch.set_num_threads(1)
    with open(osp.join(args.data_root, 'annotations', 'face_landmarks_300w_valid.json')) as f:
        coco = json.load(f)
    ann = coco['annotations'][args.face]
    image = next(i for i in coco['images'] if i['id'] == ann['image_id'])
    img = cv2.imread(osp.join(args.data_root, 'images', image['file_name']))
    gt = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)[:, :2]
    iod = float(np.linalg.norm(gt[36] - gt[45]))
    num_still = args.frames * 2 // 3
    frames, mats = make_clip(img, num_still, args.frames - num_still, args.speed)
    lm = FaceLandmarker(args.model)
    report = {}
    for label, smoothing in (('raw', None), ('one-euro', dict(min_cutoff=args.min_cutoff,
                                                              beta=args.beta))):
        report[label] = summarise(run(lm, frames, mats, gt, args.fps, smoothing), num_still,
                                  args.speed, iod)
        r = report[label]
        print(f"{label:9s} jitter {r['jitter_px']:.3f} px ({r['jitter_pct']:.2f} % IOD), "
              f"lag {r['lag_frames']:+.2f} frames, missed {r['missed']}")
    print(f"jitter ratio one-euro / raw: "
          f"{report['one-euro']['jitter_px'] / report['raw']['jitter_px']:.2f}")
    if args.out_json:
        with open(args.out_json, 'w', encoding='utf-8') as f:
            json.dump(dict(args=vars(args), **report), f, indent=1)


if __name__ == '__main__':
    main()
