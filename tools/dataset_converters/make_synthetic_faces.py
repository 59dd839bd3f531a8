"""Generate procedural faces with exact landmarks in a real dataset's layout.

The output folder replaces the real dataset's ``data_root``: same image
folders, same annotation file names, same json fields as the official files,
so every stock mmpose face config runs on it unchanged apart from
``data_root``. Synthetic accuracy is not accuracy on the real dataset.

Usage::

    python tools/dataset_converters/make_synthetic_faces.py --layout wflw \\
        --num-train 1000 --num-test 200 --image-size 256 --seed 0 \\
        --out data/wflw_synth
    # then e.g.  tools/train.py CONFIG --cfg-options \\
    #   train_dataloader.dataset.data_root=data/wflw_synth/ ...
"""
import argparse
import json
import os
import os.path as osp
import sys

# runnable from a checkout without installing popos; the synthetic package
# needs numpy and OpenCV only (no torch/mmpose import)
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

LAYOUTS = ('wflw', '300w', 'cofw', 'aflw', 'coco_wholebody_face', 'lapa',
           'ivslab51')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--layout', choices=LAYOUTS, default='wflw')
    p.add_argument('--num-train', type=int, default=1000)
    p.add_argument('--num-test', type=int, default=200,
                   help='faces per evaluation split (val/valid/test)')
    p.add_argument('--image-size', type=int, default=256)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', required=True, help='output data_root')
    p.add_argument('--workers', type=int, default=None,
                   help='processes (default: min(2, cpu count))')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    if args.num_train < 0 or args.num_test < 0 or args.num_train + args.num_test == 0:
        p.error('--num-train and --num-test must be >= 0, and not both 0')
    if args.image_size < 32:
        p.error(f'--image-size {args.image_size}: a face needs at least 32 px')
    # an earlier run's files would mix with this one's (the json of one layout pointing at the
    # images of another, stale images beyond the new count)
    if osp.isdir(args.out) and os.listdir(args.out):
        p.error(f'--out {args.out} is not empty: choose a new folder (or delete the old one)')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    from popos.datasets.synthetic.generate import generate_dataset
    summary = generate_dataset(args.layout, args.out, args.num_train,
                               args.num_test, args.image_size, args.seed,
                               workers=args.workers,
                               progress=not args.no_progress)
    print(json.dumps(summary, indent=1))
    return summary


if __name__ == '__main__':
    main()
