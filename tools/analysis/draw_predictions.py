"""Draw predicted (red) and ground-truth (green) landmarks from a `tools/test.py --dump` file.

    python tools/analysis/draw_predictions.py preds.pkl --out predictions.png [--num 16]

Each tile is the face box (padded 1.25x) resized to ``--tile`` px; the grid is one PNG.
"""
import argparse
import math

import cv2
import mmengine
import numpy as np


def draw_tile(sample: dict, tile: int) -> np.ndarray:
    """One face crop with gt (green) and predicted (red) landmarks."""
    img = cv2.imread(sample['img_path'])
    if img is None:
        raise FileNotFoundError(f"cannot read image {sample['img_path']}")
    pred = np.asarray(sample['pred_instances']['keypoints']).reshape(-1, 2)
    gt = np.asarray(sample['gt_instances']['keypoints']).reshape(-1, 2)
    pts = np.concatenate([pred, gt])
    centre = (pts.min(0) + pts.max(0)) / 2
    half = 0.625 * max(np.ptp(pts, axis=0).max(), 8.0)
    x0, y0 = centre - half
    scale = tile / (2 * half)
    affine = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
    crop = cv2.warpAffine(img, affine, (tile, tile), borderValue=(0, 0, 0))
    for points, colour in ((gt, (0, 200, 0)), (pred, (0, 0, 255))):
        for x, y in (points - [x0, y0]) * scale:
            cv2.circle(crop, (int(round(x)), int(round(y))), 2, colour, -1, cv2.LINE_AA)
    return crop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dump', help='pickle written by tools/test.py --dump')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--num', type=int, default=16)
    parser.add_argument('--tile', type=int, default=192)
    args = parser.parse_args()
    samples = mmengine.load(args.dump)[:args.num]
    if not samples:
        raise ValueError(f'{args.dump} holds no predictions')
    tiles = [draw_tile(s, args.tile) for s in samples]
    cols = int(math.ceil(math.sqrt(len(tiles))))
    rows = int(math.ceil(len(tiles) / cols))
    grid = np.zeros((rows * args.tile, cols * args.tile, 3), np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        grid[r * args.tile:(r + 1) * args.tile, c * args.tile:(c + 1) * args.tile] = t
    cv2.imwrite(args.out, grid)
    print(f'wrote {len(tiles)} faces to {args.out}')


if __name__ == '__main__':
    main()
