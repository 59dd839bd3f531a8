"""Export a popos pose model with mmdeploy (ONNX) and, for TFLite deploy configs, to .tflite.

Same argument order as mmdeploy's tools/deploy.py. Prints the backend-vs-PyTorch differences
(heatmaps and keypoints in input-crop px) on ``--test-img`` (default: ``img``).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('deploy_cfg', help='deploy config, e.g. configs/deploy/*.py')
    parser.add_argument('model_cfg', help='model config')
    parser.add_argument('checkpoint', help='model checkpoint (.pth)')
    parser.add_argument('img', help='image used to trace/convert the model')
    parser.add_argument('--test-img', default=None, help='image for the parity check')
    parser.add_argument('--work-dir', default='work_dirs/deploy', help='output directory')
    parser.add_argument('--device', default='cpu', help='export device')
    parser.add_argument('--dump-info', action='store_true', help='write work_dir/deploy.json')
    parser.add_argument('--data-root', default=None,
                        help='dataset root for int8 calibration (default: the model config\'s)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import popos.deploy as pd
    from popos.deploy.parity import format_parity
    result = pd.deploy(args.deploy_cfg, args.model_cfg, args.checkpoint, args.img,
                       args.work_dir, args.device, args.test_img, args.data_root,
                       args.dump_info)
    print(f'ONNX:    {result["onnx"]}')
    if 'tflite' in result:
        print(f'TFLite:  {result["tflite"]}')
    for backend, diff in result['parity'].items():
        print(format_parity(f'{backend} vs PyTorch', diff))
    if args.dump_info:
        print(json.dumps(result['parity']))


if __name__ == '__main__':
    main()
