"""Body and hand configs through the stock tools on real COCO-WholeBody people.

The four COCO-WholeBody images in ``../shared/data/face_samples/coco_wholebody`` carry 12 people
with body keypoints (17) and 10 valid hands (21). A few iterations of ``tools/train.py`` must
lower the loss, and ``tools/test.py`` must report mmpose's COCO AP (body) and PCK/AUC/EPE (hand)
for the trained checkpoint. The numbers are not accuracy claims: training and test sets are the
same dozen instances.

Cost control (2 shared CPU cores): the backbone is ResNet-18 instead of the configs' ResNet-50
(``model.backbone.depth=18``, ``model.head.in_channels=512``); codec, head, loss, pipelines,
dataset classes, evaluators and ``--heatmap-size`` are the shipped configs'. No pretrained
weights are downloaded (``init_cfg=None``).
"""
import json
import math
import os.path as osp
import pickle
import subprocess
import sys
from glob import glob
from typing import List

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BODY = osp.join(ROOT, 'configs', 'coco', 'td-hm_res50_popos-8xb64-210e_coco-256x192-hm12x16.py')
HAND = osp.join(ROOT, 'configs', 'coco_wholebody_hand',
                'td-hm_res50_popos-8xb32-210e_coco-wholebody-hand-256x256-hm16.py')
ANN = 'test_coco_wholebody.json'
EPOCHS = 3

pytestmark = pytest.mark.slow


def small_model() -> List[str]:
    """ResNet-18 in place of ResNet-50, no weight download (see the module docstring)."""
    return ['model.backbone.init_cfg=None', 'model.backbone.depth=18',
            'model.head.in_channels=512']


def data_options(split: str, root: str) -> List[str]:
    prefix = f'{split}_dataloader'
    return [f'{prefix}.dataset.data_root={root}/', f'{prefix}.dataset.ann_file={ANN}',
            f'{prefix}.dataset.data_prefix.img={root}/', f'{prefix}.num_workers=0',
            f'{prefix}.persistent_workers=False', f'{prefix}.batch_size=6']


def train_options(root: str) -> List[str]:
    # Constant lr 1e-3: the stock 500-iteration warm-up would keep the lr near zero here.
    return small_model() + data_options('train', root) + [
        f'train_cfg.max_epochs={EPOCHS}', f'default_hooks.checkpoint.interval={EPOCHS}',
        'default_hooks.checkpoint.save_best=None', 'default_hooks.logger.interval=1',
        'param_scheduler.0.start_factor=1.0', 'param_scheduler.0.end=1',
        'optim_wrapper.optimizer.lr=1e-3', 'randomness.seed=0']


def run(args: List[str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def logged_losses(work_dir: str) -> List[float]:
    """Per-iteration training losses from mmengine's scalars.json."""
    files = glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert len(files) == 1, files
    with open(files[0]) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r['loss'] for r in rows if 'loss' in r]


def train_and_test(config: str, root: str, work: str, extra_train: List[str],
                   extra_test: List[str], heatmap_args: List[str]) -> tuple:
    run(['tools/train.py', config, '--no-validate', '--work-dir', work, *heatmap_args,
         '--cfg-options', *train_options(root), *extra_train])
    losses = logged_losses(work)
    out, dump = osp.join(work, 'metrics.json'), osp.join(work, 'preds.pkl')
    run(['tools/test.py', config, osp.join(work, f'epoch_{EPOCHS}.pth'), '--work-dir', work,
         '--out', out, '--dump', dump, *heatmap_args, '--cfg-options', *small_model(),
         *data_options('test', root), *extra_test])
    with open(out) as f, open(dump, 'rb') as g:
        return losses, json.load(f), pickle.load(g)


def assert_loss_fell(losses: List[float]) -> None:
    # 2 iterations per epoch (12 people / batch 6; 10 hands -> 2) x 3 epochs
    assert len(losses) == 2 * EPOCHS, losses
    assert all(math.isfinite(v) for v in losses), losses
    first, last = sum(losses[:2]) / 2, sum(losses[-2:]) / 2
    assert last < 0.9 * first, losses


def test_body_config_trains_and_reports_coco_ap_at_6x8(face_samples, tmp_path):
    root = osp.join(face_samples, 'coco_wholebody')
    # --heatmap-size 8: 6x8 maps (non-square, stride 32) through the stock tools
    losses, metrics, preds = train_and_test(
        BODY, root, str(tmp_path), extra_train=[], heatmap_args=['--heatmap-size', '8'],
        extra_test=['test_dataloader.dataset.bbox_file=None',  # ground-truth person boxes
                    f'test_evaluator.ann_file={root}/{ANN}'])
    assert_loss_fell(losses)
    for key in ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AR'):
        assert key in metrics, metrics
        assert 0.0 <= metrics[key] <= 1.0, metrics
    # Image-space predictions stay inside each person's 3:4 crop (+ the decoder's one heatmap
    # pixel of slack = 32 px): a W/H mix-up in the non-square 6x8 -> 192x256 -> image mapping
    # would throw x out of it.
    assert len(preds) == 12
    for p in preds:
        half = p['input_scale'] / 2 + 32 * p['input_scale'] / np.array([192, 256])
        offset = np.abs(p['pred_instances']['keypoints'][0] - p['input_center'])
        assert (offset <= half + 1e-3).all(), (offset.max(0), half)
    print('body', losses, metrics)


def test_hand_config_trains_and_reports_pck(face_samples, tmp_path):
    root = osp.join(face_samples, 'coco_wholebody')
    losses, metrics, preds = train_and_test(HAND, root, str(tmp_path), extra_train=[],
                                            extra_test=[], heatmap_args=[])
    assert_loss_fell(losses)
    assert {'PCK', 'AUC', 'EPE'} <= set(metrics), metrics
    assert 0.0 <= metrics['PCK'] <= 1.0 and 0.0 <= metrics['AUC'] <= 1.0, metrics
    # EPE recomputed from the dumped image-space predictions and the annotations
    assert len(preds) == 10
    dist = [np.linalg.norm(p['pred_instances']['keypoints'][0] - p['gt_instances']['keypoints'][0],
                           axis=-1)[p['gt_instances']['keypoints_visible'][0] > 0] for p in preds]
    assert metrics['EPE'] == pytest.approx(float(np.concatenate(dist).mean()), rel=1e-4)
    print('hand', losses, metrics)
