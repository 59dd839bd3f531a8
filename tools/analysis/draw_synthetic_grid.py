"""Draw a grid of synthetic faces with their landmarks (docs figure).

Usage::

    python tools/analysis/draw_synthetic_grid.py --layout wflw --num 16 \\
        --image-size 128 --out docs/images/synthetic_wflw_grid.png
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def main(argv=None) -> str:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--layout', default='wflw')
    p.add_argument('--num', type=int, default=16)
    p.add_argument('--cols', type=int, default=4)
    p.add_argument('--image-size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='docs/images/synthetic_wflw_grid.png')
    args = p.parse_args(argv)
    import cv2
    from popos.datasets.synthetic.grid import make_grid
    grid = make_grid(args.layout, args.num, args.image_size, args.seed,
                     args.cols)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    # PNG with maximal compression keeps the docs figure small
    cv2.imwrite(args.out, grid, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f'{args.out}: {grid.shape[1]}x{grid.shape[0]}, '
          f'{osp.getsize(args.out) / 1024:.0f} KB')
    return args.out


if __name__ == '__main__':
    main()
