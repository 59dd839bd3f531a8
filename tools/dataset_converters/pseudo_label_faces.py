"""Label unlabelled face crops with a teacher: 68-point pseudo-labels in the 300-W json format.

    python tools/dataset_converters/pseudo_label_faces.py \
        work_dirs/300w/dark_hm32/td-hm_hrnetv2-w18s_dark-1xb32-20e_300w-128x128-hm8.py \
        work_dirs/300w/dark_hm32/epoch_20.pth --heatmap-size 32 \
        --ann data/mtfl/annotations/mtfl_train.json --img-root data/mtfl/images \
        --out data/mtfl_pseudo/mtfl_train_300w68.json

Each MTFL face is framed from its five labelled points (the box fitted on 300-W's train
annotations, ``--ref-ann``), the teacher predicts 68 points with flip test, and a face is
kept only if the teacher's five points agree with MTFL's own (NME <= ``--max-nme``): the
labels are noisy and so is the teacher on profile faces, and a wrong pseudo-label teaches
the student a wrong face. The output is read by mmpose's ``Face300WDataset`` like 300-W
(``center``/``scale`` = the framing box), with ``data_prefix`` = the MTFL image root.
"""
import argparse
import json
import os
import os.path as osp
import tempfile

import numpy as np

# albumentations 1.4 asks PyPI for a newer version on import (popos imports it); runs offline
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from popos.apis.cli import positive_int  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='teacher config (or a shipped model name)')
    p.add_argument('checkpoint', help="teacher checkpoint ('' for a shipped model's own)")
    p.add_argument('--heatmap-size', type=int, help='teacher heatmap size, as for tools/train.py')
    p.add_argument('--ann', required=True, help='five-point COCO json (MTFL)')
    p.add_argument('--img-root', required=True, help='image root of --ann file names')
    p.add_argument('--ref-ann', default='data/300w/annotations/face_landmarks_300w_train.json',
                   help='68-point json whose boxes the five-point boxes imitate')
    p.add_argument('--out', required=True, help='output 68-point COCO json')
    p.add_argument('--max-nme', type=float, default=0.10,
                   help="keep a face if the teacher's five points are within this NME of the label")
    p.add_argument('--no-flip', action='store_true', help='teacher without flip test')
    p.add_argument('--limit', type=positive_int, help='only the first N faces (smoke runs)')
    args = p.parse_args()
    if not 0 < args.max_nme:
        p.error(f'--max-nme must be positive, got {args.max_nme}')
    return args


def teacher_config(config: str, heatmap_size, tmp_dir: str) -> str:
    """A config path with its heatmap size set (the way tools/train.py's flag sets it)."""
    if heatmap_size is None:
        return config
    if not osp.isfile(config):
        raise SystemExit(f'--heatmap-size needs a config file; {config!r} is not one (a shipped '
                         'model has its own heatmap size)')
    from mmengine.config import Config
    from popos.utils.resolution import set_heatmap_size
    cfg = Config.fromfile(config)
    set_heatmap_size(cfg, heatmap_size)
    path = osp.join(tmp_dir, f'teacher_hm{heatmap_size}.py')
    cfg.dump(path)
    return path


def main() -> None:
    args = parse_args()
    from popos.apis import FaceLandmarker
    from popos.apis.five_point import (five_point_calibration, five_point_nme, load_coco_faces,
                                       predict_faces, summarise)
    from popos.apis.layouts import five_point_box

    faces = load_coco_faces(args.ann, args.img_root, 5)[:args.limit]
    if not faces:
        raise SystemExit(f'{args.ann} has no faces to label')
    calib = five_point_calibration(args.ref_ann)
    with tempfile.TemporaryDirectory() as tmp:
        teacher = FaceLandmarker(teacher_config(args.config, args.heatmap_size, tmp),
                                 args.checkpoint or None, detector=None,
                                 flip_test=not args.no_flip)
    if teacher.num_keypoints != 68:
        raise ValueError(f'the teacher predicts {teacher.num_keypoints} points, not 68')
    pred = predict_faces(teacher, faces, calib)
    gt5 = np.stack([f['keypoints'] for f in faces])
    nmes = five_point_nme(pred, gt5)
    keep = nmes <= args.max_nme
    boxes = five_point_box(gt5, calib)

    images, annotations = [], []
    for i in np.flatnonzero(keep):
        face, box, kp = faces[i], boxes[i], pred[i]
        side = float(max(box[2] - box[0], box[3] - box[1]))
        x0, y0 = kp.min(0)
        x1, y1 = kp.max(0)
        images.append(dict(id=int(face['id']), file_name=osp.relpath(face['file'], args.img_root),
                           width=face['image'].get('width'), height=face['image'].get('height')))
        annotations.append(dict(
            id=int(face['id']), image_id=int(face['id']), category_id=1, iscrowd=0,
            num_keypoints=68,
            keypoints=np.concatenate([kp, np.full((68, 1), 2.)], 1).round(2).ravel().tolist(),
            center=[float((box[0] + box[2]) / 2), float((box[1] + box[3]) / 2)],
            scale=side / 200., bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
            area=float((x1 - x0) * (y1 - y0)), teacher_five_point_nme=float(nmes[i])))
    nme, fr, auc = summarise(nmes)
    kept_median = float(np.median(nmes[keep]) * 100) if keep.any() else None
    info = dict(description=f'68-point pseudo-labels of {osp.basename(args.ann)} by a teacher',
                teacher=args.config, checkpoint=args.checkpoint, heatmap_size=args.heatmap_size,
                flip_test=not args.no_flip, five_point_box=calib.tolist(), max_nme=args.max_nme,
                faces=len(faces), kept=int(keep.sum()),
                teacher_five_point=dict(nme=nme, median_nme=float(np.median(nmes) * 100),
                                        kept_median_nme=kept_median,
                                        fr_0_1=fr, auc_0_1=auc))
    coco = dict(info=info, images=images, annotations=annotations,
                categories=[dict(id=1, name='face', supercategory='person')])
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(coco, f)
    print(f'\nteacher five-point NME mean {nme:.2f} % / median {np.median(nmes) * 100:.2f} %, '
          f'FR@0.1 {fr:.1f} %, AUC@0.1 {auc:.1f} % on {len(faces)} faces; kept '
          f'{int(keep.sum())} (NME <= {args.max_nme}'
          + (f', median {kept_median:.2f} %)' if keep.any() else ')') + f' -> {args.out}')
    if not keep.any():
        print(f'no face passed --max-nme {args.max_nme}: {args.out} has no annotations')


if __name__ == '__main__':
    main()
