"""Offline face detectors on real 300-W photos: detection rate, ms per image, box calibration,
and the landmark NME with the detector's box instead of the ground-truth box.

    python tools/analysis/benchmark_detectors.py --data-root data/300w --model default

1. Calibration (train faces): for each face matched by a detection, the offset and scale from
   the detector box to the landmark box; the medians are the detector's ``calibration``
   constants in ``popos/apis/detectors.py`` (printed; ``--check`` fails if they drifted).
2. Val faces: detection rate, median ms per image (one thread), NME % of ``--model`` with the
   detector box under the shipped calibration (as ``FaceLandmarker`` uses it) vs the
   ground-truth box (a missed face counts with the GT box in
   "NME, all" and is left out of "NME, detected").
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import Dict, List

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def load_faces(data_root: str, split: str) -> Dict[str, List[dict]]:
    """image path -> its annotated faces (keypoints (68, 2), landmark box xyxy)."""
    name = 'train' if split == 'train' else 'valid'
    with open(osp.join(data_root, 'annotations', f'face_landmarks_300w_{name}.json')) as f:
        coco = json.load(f)
    files = {im['id']: osp.join(data_root, 'images', im['file_name']) for im in coco['images']}
    out: Dict[str, List[dict]] = {}
    for ann in coco['annotations']:
        kp = np.asarray(ann['keypoints'], np.float32).reshape(-1, 3)[:, :2]
        box = np.concatenate([kp.min(0), kp.max(0)])
        out.setdefault(files[ann['image_id']], []).append(dict(keypoints=kp, box=box))
    return out


def match(det: np.ndarray, gt_box: np.ndarray, thr: float = 0.3) -> int:
    """Index of the detection overlapping ``gt_box`` most (IoU >= thr), else -1."""
    from popos.apis.tracking import box_iou
    if len(det) == 0:
        return -1
    iou = box_iou(gt_box[None], det)[0]
    return int(iou.argmax()) if iou.max() >= thr else -1


def box_ratios(det: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(dx, dy, sw, sh) taking box ``det`` to box ``gt`` (see ``calibrate_boxes``)."""
    dw, dh = det[2] - det[0], det[3] - det[1]
    return np.array([((gt[0] + gt[2]) - (det[0] + det[2])) / 2 / dw,
                     ((gt[1] + gt[3]) - (det[1] + det[3])) / 2 / dh,
                     (gt[2] - gt[0]) / dw, (gt[3] - gt[1]) / dh])


def nme(pred: np.ndarray, gt: np.ndarray) -> float:
    """Inter-ocular NME in % (outer eye corners 36, 45), as FaceLandmarkMetric computes it."""
    from popos.evaluation.functional import eye_distance, normalised_errors
    norm = eye_distance(gt[None], [36], [45])
    return float(normalised_errors(pred[None], gt[None], norm).mean() * 100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/300w')
    parser.add_argument('--model', default='default', help='landmark model for the NME column')
    parser.add_argument('--detectors', nargs='+', default=['dlib', 'haar'])
    parser.add_argument('--max-train', type=int, default=0, help='train photos for calibration '
                        '(0 = all)')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if a shipped calibration differs from the measured one')
    parser.add_argument('--out-json')
    args = parser.parse_args()
    import cv2
    import torch

    from popos.apis import FaceLandmarker, build_detector
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    train = load_faces(args.data_root, 'train')
    val = load_faces(args.data_root, 'val')
    if args.max_train:
        train = dict(list(train.items())[:args.max_train])
    lm = FaceLandmarker(args.model, detector=None)
    report, drift = {}, False
    for name in args.detectors:
        det = build_detector(name)
        ratios = []
        for path, faces in train.items():
            boxes, _ = det(cv2.imread(path))
            for face in faces:
                i = match(boxes, face['box'])
                if i >= 0:
                    ratios.append(box_ratios(boxes[i], face['box']))
        calib = np.median(np.array(ratios), axis=0)
        n_val = sum(len(f) for f in val.values())
        found, times, err_det, err_gt, err_all, err_gt_det = 0, [], [], [], [], []
        matched_scores, unmatched_scores = [], []
        for path, faces in val.items():
            img = cv2.imread(path)
            t0 = time.perf_counter()
            boxes, scores = det(img)
            times.append(time.perf_counter() - t0)
            used = {match(boxes, face['box']) for face in faces}
            for i, score in enumerate(scores):
                (matched_scores if i in used else unmatched_scores).append(float(score))
            for face in faces:
                gt_kp = face['keypoints']
                ref = nme(lm.predict_boxes(img, face['box'][None])[0][0], gt_kp)
                err_gt.append(ref)
                i = match(boxes, face['box'])
                if i < 0:
                    err_all.append(ref)
                    continue
                found += 1
                err_gt_det.append(ref)
                # the shipped calibration, as FaceLandmarker applies it (the measured one is
                # only reported and compared)
                box = det.landmark_boxes(boxes[i][None])
                e = nme(lm.predict_boxes(img, box)[0][0], gt_kp)
                err_det.append(e)
                err_all.append(e)
        shipped = np.asarray(det.calibration)
        drift |= bool(np.abs(shipped - calib).max() > 0.02)
        report[name] = dict(
            calibration=[round(float(v), 3) for v in calib], shipped=shipped.tolist(),
            train_faces_matched=len(ratios), detection_rate=found / n_val,
            ms_per_image=float(np.median(times) * 1e3), nme_gt_box=float(np.mean(err_gt)),
            nme_detected=float(np.mean(err_det)) if err_det else float('nan'),
            nme_gt_box_on_detected=float(np.mean(err_gt_det)) if err_gt_det else float('nan'),
            nme_all=float(np.mean(err_all)), extra_boxes=len(unmatched_scores),
            extra_box_scores=sorted(unmatched_scores), matched_box_scores_p5=float(
                np.percentile(matched_scores, 5)) if matched_scores else float('nan'))
        r = report[name]
        print(f"{name}: calibration {r['calibration']} (shipped {r['shipped']}), "
              f"{r['train_faces_matched']} train faces; val detection {found}/{n_val} "
              f"({100 * r['detection_rate']:.1f} %), {r['ms_per_image']:.1f} ms/image; "
              f"NME on detected faces: GT box {r['nme_gt_box_on_detected']:.2f} %, detector box "
              f"{r['nme_detected']:.2f} %; all faces {r['nme_all']:.2f} % "
              f"(GT box {r['nme_gt_box']:.2f} %); {r['extra_boxes']} boxes on no annotated face "
              f"(scores {np.round(r['extra_box_scores'], 2).tolist()}; 5th percentile of matched "
              f"boxes' scores {r['matched_box_scores_p5']:.2f})", flush=True)
    if args.out_json:
        with open(args.out_json, 'w', encoding='utf-8') as f:
            json.dump(report, f, indent=1)
    return 1 if args.check and drift else 0


if __name__ == '__main__':
    sys.exit(main())
