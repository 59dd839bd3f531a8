"""Convert a folder of face images + iBUG ``.pts`` files to COCO-style json.

Every image ``<stem>.<ext>`` with a ``<stem>.pts`` beside it (or in
``--pts-dir`` with the same relative path) becomes one COCO image; every face
block of the ``.pts`` file becomes one annotation with the fields of
mmpose's official face files (300W/WFLW, checked against them):

- ``center``: centre of the tight landmark box, (x, y);
- ``scale``: ``max(w, h) * scale_padding / 200`` of the tight landmark box
  (the 200-px convention; mmpose's pipeline ``GetBBoxCenterScale`` adds its
  own 1.25 padding on top, so keep ``--scale-padding 1``);
- ``bbox``: the tight landmark box scaled by ``--bbox-padding`` (1.2, as the
  official files) about its centre, as (x, y, w, h);
- ``area`` = bbox w * h; ``keypoints`` = [x, y, 2] * K (``.pts`` has no
  visibility); ``num_keypoints`` = K; ``iscrowd`` = 0; ``category_id`` = 1.

Usage::

    python tools/dataset_converters/pts_to_coco.py data/ivslab51/images \\
        data/ivslab51/annotations/ivslab51_train.json [--pts-dir DIR] \\
        [--num-keypoints 51]
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

import numpy as np

try:
    from popos.datasets.pts import load_pts
except ImportError:  # run from a source checkout without installing popos
    sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..',
                                '..'))
    from popos.datasets.pts import load_pts

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def image_size(path: str) -> tuple:
    """(width, height) of an image, reading only its header."""
    from PIL import Image
    with Image.open(path) as img:
        return img.size


def face_annotation(kpts: np.ndarray, ann_id: int, img_id: int,
                    bbox_padding: float = 1.2,
                    scale_padding: float = 1.0) -> dict:
    """COCO-style annotation of one face from its (K, 2) landmarks."""
    kpts = np.asarray(kpts, dtype=np.float64)
    lo, hi = kpts.min(axis=0), kpts.max(axis=0)
    centre = (lo + hi) / 2
    size = hi - lo
    if not (size > 0).all():
        raise ValueError(f'face {ann_id}: degenerate landmark box {size}')
    box_wh = size * bbox_padding
    kpt_list = np.concatenate([kpts, np.full((len(kpts), 1), 2.)], axis=1)
    return dict(
        id=ann_id,
        image_id=img_id,
        category_id=1,
        iscrowd=0,
        num_keypoints=int(len(kpts)),
        keypoints=[round(float(v), 4) for v in kpt_list.reshape(-1)],
        bbox=[float(v) for v in (*(centre - box_wh / 2), *box_wh)],
        area=float(box_wh[0] * box_wh[1]),
        center=[float(v) for v in centre],
        scale=float(size.max() * scale_padding / 200.),
    )


def convert(img_dir: str,
            pts_dir: Optional[str] = None,
            num_keypoints: Optional[int] = None,
            bbox_padding: float = 1.2,
            scale_padding: float = 1.0,
            skip_missing: bool = False, pts_origin: float = 1.0) -> dict:
    """Build the COCO dict from ``img_dir`` (recursively) and ``.pts`` files.

    ``file_name`` entries are relative to ``img_dir`` (posix separators), so
    ``data_prefix=dict(img=<img_dir relative to data_root>)`` finds them.
    Coordinates become 0-based: ``pts_origin`` is subtracted (iBUG files are 1-based).
    Raises ``ValueError`` for malformed ``.pts`` files (file and line named),
    a face with the wrong number of points, or an image without ``.pts``
    unless ``skip_missing``.
    """
    pts_dir = pts_dir or img_dir
    images: List[dict] = []
    annotations: List[dict] = []
    for root, _, files in sorted(os.walk(img_dir)):
        for fname in sorted(files):
            if osp.splitext(fname)[1].lower() not in IMG_EXTS:
                continue
            img_path = osp.join(root, fname)
            rel = osp.relpath(img_path, img_dir).replace(os.sep, '/')
            pts_path = osp.join(pts_dir, osp.splitext(rel)[0] + '.pts')
            if not osp.isfile(pts_path):
                if skip_missing:
                    continue
                raise ValueError(f'{img_path}: no landmark file {pts_path}')
            faces = load_pts(pts_path, pts_origin)
            img_id = len(images) + 1
            try:
                width, height = image_size(img_path)
            except OSError as err:  # PIL's UnidentifiedImageError is an OSError
                raise ValueError(f'{img_path}: cannot read the image ({err})') from None
            images.append(
                dict(id=img_id, file_name=rel, width=width, height=height))
            for face in faces:
                # without --num-keypoints the first face sets the count for the whole set
                want = num_keypoints or (len(annotations[0]['keypoints']) // 3
                                         if annotations else len(face))
                if len(face) != want:
                    raise ValueError(f'{pts_path}: a face has {len(face)} '
                                     f'points, expected {want}')
                try:
                    annotations.append(
                        face_annotation(face, len(annotations) + 1, img_id,
                                        bbox_padding, scale_padding))
                except ValueError as err:
                    raise ValueError(f'{pts_path}: {err}') from None
    if not images:
        raise ValueError(f'no image with a .pts file found in {img_dir}')
    num_k = num_keypoints or len(annotations[0]['keypoints']) // 3
    categories = [
        dict(
            id=1,
            name='face',
            supercategory='face',
            keypoints=[f'kpt-{k}' for k in range(num_k)],
            skeleton=[])
    ]
    return dict(images=images, annotations=annotations, categories=categories)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('img_dir', help='folder of images (searched '
                        'recursively)')
    parser.add_argument('out_file', help='output COCO-style json')
    parser.add_argument('--pts-dir', help='folder of .pts files mirroring '
                        'img_dir (default: img_dir)')
    parser.add_argument('--num-keypoints', type=int, help='check that every '
                        'face has this many points')
    parser.add_argument('--bbox-padding', type=float, default=1.2)
    parser.add_argument('--scale-padding', type=float, default=1.0)
    parser.add_argument('--skip-missing', action='store_true',
                        help='skip images without a .pts file')
    parser.add_argument('--pts-origin', type=float, default=1.0,
                        help='coordinate of the top-left pixel centre in the .pts files '
                        '(1: the iBUG / 300-W convention, and what popos writes; 0 for files '
                        'written 0-based); subtracted to give 0-based COCO keypoints')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    coco = convert(args.img_dir, args.pts_dir, args.num_keypoints,
                   args.bbox_padding, args.scale_padding, args.skip_missing,
                   args.pts_origin)
    os.makedirs(osp.dirname(osp.abspath(args.out_file)), exist_ok=True)
    with open(args.out_file, 'w', encoding='utf-8') as f:
        json.dump(coco, f)
    print(f'{len(coco["images"])} images, {len(coco["annotations"])} faces '
          f'-> {args.out_file}')


if __name__ == '__main__':
    main()
