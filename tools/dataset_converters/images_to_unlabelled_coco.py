"""Write a COCO file of face boxes without landmarks, for ``UnlabelledFaceDataset``.

Every image under ``--images`` (recursively; .jpg/.jpeg/.png/.bmp) becomes one COCO image.
Faces: with ``--boxes``, one annotation per line ``<relative/path> x y w h`` (pixels, as a face
detector reports them; several lines per image for several faces, an image without a line is
left out); without it, every image is one face crop and its whole frame is the box. Images are
read once for their size, so an unreadable file fails here with its name, not during training.

Crop the unlabelled faces the way the labelled ones are cropped: the official face files box the
landmarks (``center``/``scale``), a detector boxes the face; a systematic difference in box size
is a difference in the training crops.

Usage::

    python tools/dataset_converters/images_to_unlabelled_coco.py --images data/faces/images \\
        --out data/faces/annotations/unlabelled.json [--boxes data/faces/boxes.txt]
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def read_boxes(path: str) -> Dict[str, List[List[float]]]:
    """``<relative/path> x y w h`` lines -> {relative path: [[x, y, w, h], ...]}."""
    boxes: Dict[str, List[List[float]]] = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts or parts[0].startswith('#'):
                continue
            try:
                x, y, w, h = (float(v) for v in parts[1:])
            except ValueError:
                raise ValueError(f'{path}:{n}: expected "<image> x y w h", got {line.strip()!r}')
            if not all(math.isfinite(v) for v in (x, y, w, h)):
                raise ValueError(f'{path}:{n}: box {[x, y, w, h]} is not finite')
            if w <= 0 or h <= 0:
                raise ValueError(f'{path}:{n}: box {w}x{h} is empty')
            boxes.setdefault(osp.normpath(parts[0]), []).append([x, y, w, h])
    return boxes


def build_coco(images_dir: str, boxes: Optional[Dict[str, List[List[float]]]] = None) -> dict:
    """COCO dict (images, annotations with ``bbox``, one face category) for a folder."""
    files = sorted(
        osp.relpath(osp.join(root, name), images_dir)
        for root, _, names in os.walk(images_dir) for name in names
        if name.lower().endswith(IMG_EXTS))
    if not files:
        raise ValueError(f'no {"/".join(IMG_EXTS)} images under {images_dir}')
    if boxes is not None:
        missing = sorted(set(boxes) - set(map(osp.normpath, files)))
        if missing:
            raise ValueError(f'{len(missing)} boxed images are not under {images_dir}, '
                             f'e.g. {missing[0]}')
    coco = dict(images=[], annotations=[],
                categories=[dict(id=1, name='face', supercategory='face')])
    for img_id, rel in enumerate(files, 1):
        faces = [None] if boxes is None else boxes.get(osp.normpath(rel), [])
        if not faces:
            continue
        img = cv2.imread(osp.join(images_dir, rel))
        if img is None:
            raise ValueError(f'cannot read image {osp.join(images_dir, rel)}')
        h, w = img.shape[:2]
        coco['images'].append(dict(id=img_id, file_name=rel, width=w, height=h))
        for box in faces:
            box = box or [0., 0., float(w), float(h)]
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=img_id, category_id=1,
                bbox=[round(v, 2) for v in box], area=round(box[2] * box[3], 2), iscrowd=0))
    return coco


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', required=True, help='image folder (the data_prefix)')
    p.add_argument('--out', required=True, help='output json')
    p.add_argument('--boxes', help='"<relative/path> x y w h" per face; default: whole images')
    args = p.parse_args()
    coco = build_coco(args.images, read_boxes(args.boxes) if args.boxes else None)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(coco, f)
    print(f'{len(coco["annotations"])} faces in {len(coco["images"])} images -> {args.out}')


if __name__ == '__main__':
    main()
