"""NME of the trivial predictor: the mean training shape placed in each test face box.

    python tools/analysis/mean_shape_baseline.py CONFIG [--out mean_shape.json]

The mean shape is learnt in box-normalised coordinates ``(k - box_centre) / box_size`` on the
config's training annotations and evaluated with the config's own test evaluator, so its
numbers are directly comparable with `tools/test.py` on the same config.
"""
import argparse
import json
from typing import Dict

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS

import popos  # noqa: F401


def _instances(dataset_cfg: dict):
    cfg = dict(dataset_cfg, pipeline=[])
    dataset = DATASETS.build(cfg)
    for i in range(len(dataset)):
        info = dataset[i]
        box = np.asarray(info['bbox'], np.float64).reshape(-1, 4)[0]
        centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        size = max(box[2] - box[0], box[3] - box[1])
        yield dataset, info, centre, size


def mean_shape_metrics(cfg: Config) -> Dict[str, float]:
    """Fit the mean shape on the train split and evaluate it on the test split."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    shapes = [(np.asarray(info['keypoints'])[0] - c) / s
              for _, info, c, s in _instances(cfg.train_dataloader.dataset)]
    mean_shape = np.mean(shapes, axis=0)
    evaluator = cfg.test_evaluator
    evaluator = evaluator[0] if isinstance(evaluator, (list, tuple)) else evaluator
    metric = METRICS.build(dict(evaluator, out_dir=None, outfile_prefix=None)
                           if 'out_dir' in evaluator else evaluator)
    samples, meta = [], None
    for dataset, info, c, s in _instances(cfg.test_dataloader.dataset):
        meta = dataset.metainfo
        samples.append(dict(
            pred_instances=dict(keypoints=(c + mean_shape * s)[None]),
            gt_instances=dict(keypoints=np.asarray(info['keypoints']),
                              keypoints_visible=np.asarray(info['keypoints_visible']),
                              bboxes=np.asarray(info['bbox']).reshape(-1, 4)),
            img_path=info.get('img_path'), img_id=info.get('img_id'), id=info.get('id')))
    metric.dataset_meta = meta
    metric.process([], samples)
    return metric.compute_metrics(metric.results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--out', help='write the metrics as json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    metrics = mean_shape_metrics(cfg)
    print('mean-shape baseline: ' + '  '.join(f'{k} {v:.2f}' for k, v in metrics.items()))
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(metrics, f, indent=2)


if __name__ == '__main__':
    main()
