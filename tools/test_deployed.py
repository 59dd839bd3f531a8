"""Evaluate an exported model (.onnx or .tflite) like tools/test.py: NME / FR / AUC.

The model config's test dataloader and evaluator run on mmdeploy's backend model
(``build_task_processor(...).build_backend_model``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('deploy_cfg', help='deploy config the model was exported with')
    parser.add_argument('model_cfg', help='model config (test dataloader and evaluator)')
    parser.add_argument('model', nargs='+', help='backend model file(s)')
    parser.add_argument('--work-dir', default='work_dirs/test_deployed', help='log directory')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='test batch size (default: 1 for static ONNX graphs)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override model-config settings, e.g. test_dataloader.dataset.'
                        'data_root=data/wflw/')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import popos.deploy as pd
    metrics = pd.evaluate_backend(args.deploy_cfg, args.model_cfg, args.model, args.work_dir,
                                  args.device, args.batch_size, args.cfg_options)
    print(' '.join(f'{k}={v:.4f}' for k, v in metrics.items()))


if __name__ == '__main__':
    main()
