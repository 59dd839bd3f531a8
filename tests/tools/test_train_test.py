"""Stock tools on a real config: train, resume, test at two resolutions, dist with 2 processes."""
import json
import os
import os.path as osp
import random
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'synthetic',
                  'td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py')


def small_run_options(data_root: str, epochs: int = 1) -> list:
    opts = [f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1',
            'default_hooks.logger.interval=1', 'default_hooks.checkpoint.max_keep_ckpts=5']
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={data_root}/',
                 f'{split}_dataloader.batch_size=4', f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


def run(args: list, cwd: str = ROOT, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    return proc


@pytest.fixture(scope='module')
def trained(tiny_wflw, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('train'))
    proc = run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
                *small_run_options(tiny_wflw)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_train_writes_checkpoint_and_logs(trained):
    assert osp.isfile(osp.join(trained, 'epoch_1.pth'))
    logs = [f for f in os.listdir(trained) if osp.isdir(osp.join(trained, f))]
    assert logs and any(f.endswith('.log') for f in os.listdir(osp.join(trained, logs[0])))


def test_resume_continues_from_checkpoint(trained, tiny_wflw):
    proc = run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', trained, '--resume',
                '--cfg-options', *small_run_options(tiny_wflw, epochs=2)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(trained, 'epoch_2.pth'))


def test_test_at_trained_resolution_reports_face_metrics(trained, tiny_wflw, tmp_path):
    out = tmp_path / 'metrics.json'
    proc = run([sys.executable, 'tools/test.py', CONFIG, osp.join(trained, 'epoch_1.pth'),
                '--work-dir', str(tmp_path), '--out', str(out), '--cfg-options',
                *small_run_options(tiny_wflw), f'test_evaluator.out_dir={tmp_path}'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads(out.read_text())
    assert {'NME', 'FR@0.1', 'AUC@0.1'} <= set(metrics)
    assert (tmp_path / 'ced.png').is_file()


def test_checkpoint_of_another_resolution_is_refused(trained, tiny_wflw, tmp_path):
    proc = run([sys.executable, 'tools/test.py', CONFIG, osp.join(trained, 'epoch_1.pth'),
                '--heatmap-size', '4', '--work-dir', str(tmp_path), '--cfg-options',
                *small_run_options(tiny_wflw)])
    assert proc.returncode != 0
    assert 'trained with 8x8 heatmaps' in proc.stderr
    assert '--heatmap-size 8' in proc.stderr


def test_train_and_test_at_another_resolution(tiny_wflw, tmp_path):
    proc = run([sys.executable, 'tools/train.py', CONFIG, '--heatmap-size', '4', '--work-dir',
                str(tmp_path), '--cfg-options', *small_run_options(tiny_wflw)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / 'metrics.json'
    proc = run([sys.executable, 'tools/test.py', CONFIG, str(tmp_path / 'epoch_1.pth'),
                '--heatmap-size', '4', '--out', str(out), '--work-dir', str(tmp_path),
                '--cfg-options', *small_run_options(tiny_wflw)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    nme = json.loads(out.read_text())['NME']
    assert 0 < nme < float('inf')
    # the checkpoint records the resolution it was trained at (what refuses a mismatch)
    from popos.utils import safe_torch_load
    state = safe_torch_load(str(tmp_path / 'epoch_1.pth'), map_location='cpu')['state_dict']
    assert state['head.trained_heatmap_hw'].tolist() == [4, 4]


DIST_HOOK = """
import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DumpRankWeights(Hook):
    \"\"\"Every rank saves its final parameters: rank<r>_of_<world>.pth.\"\"\"

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        params = {k: v.detach().clone() for k, v in model.named_parameters()}
        torch.save(params, f'{self.out_dir}/rank{get_rank()}_of_{get_world_size()}.pth')
"""
# the smallest model of the repository (MobileNetV2 x0.35, 64x64 crops, 4x4 heatmaps)
DIST_CONFIG = osp.join(ROOT, 'configs', 'embedded',
                       'td-hm_mobilenetv2-0.35_popos-1xb64-30e_synthetic-wflw-64x64-hm4.py')


def test_dist_train_with_two_processes_keeps_ranks_in_sync(tiny_wflw, tmp_path):
    """`sh tools/dist_train.sh CONFIG 2` on CPU: gloo, 2 ranks, 3 iterations of 2 faces each; the
    ranks end with the same parameters, rank 0 writes the one checkpoint, and
    `sh tools/dist_test.sh` evaluates it with 2 processes."""
    import torch

    from popos.utils import safe_torch_load
    (tmp_path / 'dump_rank_weights.py').write_text(DIST_HOOK)
    work = tmp_path / 'work'
    work.mkdir()
    cfg = tmp_path / 'dist_cfg.py'
    cfg.write_text(f"""_base_ = [{DIST_CONFIG!r}]
custom_imports = dict(imports=['popos', 'dump_rank_weights'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='DumpRankWeights', out_dir={str(work)!r})]
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=3, val_interval=100)
param_scheduler = []
log_processor = dict(by_epoch=False)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(by_epoch=False, interval=3, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
""")
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={tiny_wflw}/',
                 f'{split}_dataloader.batch_size=2', f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    env = dict(os.environ, PORT=str(random.randint(29600, 29900)), PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT, os.environ.get('PYTHONPATH', '')]),
               OMP_NUM_THREADS='1')
    proc = run(['sh', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', str(work),
                '--cfg-options', *opts], env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'distributed backend switched from nccl to gloo' in log
    assert sorted(p.name for p in work.glob('*.pth')) == [
        'iter_3.pth', 'rank0_of_2.pth', 'rank1_of_2.pth']
    rank0 = torch.load(work / 'rank0_of_2.pth', weights_only=True)
    rank1 = torch.load(work / 'rank1_of_2.pth', weights_only=True)
    ckpt = safe_torch_load(str(work / 'iter_3.pth'), map_location='cpu')['state_dict']
    assert rank0.keys() == rank1.keys() and rank0
    for k in rank0:
        assert torch.equal(rank0[k], rank1[k]), k
        assert torch.equal(rank0[k], ckpt[k]), k
    proc = run(['sh', 'tools/dist_test.sh', str(cfg), str(work / 'iter_3.pth'), '2',
                '--work-dir', str(work), '--cfg-options', *opts], env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'NME' in proc.stdout + proc.stderr


def test_tune_decoder_evaluates_like_test_py(trained, tiny_wflw, tmp_path):
    """tools/analysis/tune_decoder.py: same NME as tools/test.py for the config's settings."""
    ckpt = osp.join(trained, 'epoch_1.pth')
    ref = tmp_path / 'test.json'
    proc = run([sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir', str(tmp_path),
                '--out', str(ref), '--cfg-options', *small_run_options(tiny_wflw),
                'test_evaluator.thresholds=[0.1]'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / 'tune.json'
    # 15 is the 8x8 default; anchor radius 1.5 px vs the default 2 sigma = 3 px
    proc = run([sys.executable, 'tools/analysis/tune_decoder.py', CONFIG, ckpt,
                '--data-root', f'{tiny_wflw}/', '--param', 'topk=15,3',
                '--param', 'anchor_radius=None,1.5', '--work-dir', str(tmp_path / 'tune'),
                '--out', str(out), '--cfg-options', *small_run_options(tiny_wflw)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert len(results) == 4
    nmes = [r['metrics']['NME'] for r in results]
    assert nmes == sorted(nmes)
    default = next(r for r in results
                   if r['settings'] == dict(topk=15, anchor_radius=None))
    assert abs(default['metrics']['NME'] - json.loads(ref.read_text())['NME']) < 1e-9
    assert len(set(nmes)) > 1, 'the decoder settings did not reach the decoder'
    assert 'best: model.head.decoder.' in proc.stdout
    # a tie at the best is named with the settings that did not move the metric
    tied = [r['settings'] for r in results if r['metrics']['NME'] == nmes[0]]
    if len(tied) > 1:
        line = next(ln for ln in proc.stdout.splitlines() if 'tie at the best' in ln)
        for k in tied[0]:
            assert (k in line) == (len({str(t[k]) for t in tied}) > 1), line
    else:
        assert 'tie at the best' not in proc.stdout


def test_tune_decoder_refuses_bad_parameters():
    proc = run([sys.executable, 'tools/analysis/tune_decoder.py', CONFIG, 'x.pth',
                '--param', 'sigma=1,2'])
    assert proc.returncode != 0 and 'unknown decoder setting' in proc.stderr
    proc = run([sys.executable, 'tools/analysis/tune_decoder.py', CONFIG, 'x.pth',
                '--param', 'topk'])
    assert proc.returncode != 0 and 'name=v1,v2' in proc.stderr


def test_test_py_refuses_a_metrics_file_it_cannot_write_before_the_run(tmp_path):
    # mmengine.dump picks the format by extension: a .txt failed only after the whole test
    proc = run([sys.executable, 'tools/test.py', CONFIG, str(tmp_path / 'missing.pth'),
                '--out', str(tmp_path / 'metrics.txt')])
    assert proc.returncode == 2 and '--out' in proc.stderr and '.json' in proc.stderr
    proc = run([sys.executable, 'tools/test.py', CONFIG, str(tmp_path / 'missing.pth'),
                '--dump', str(tmp_path / 'preds.json')])
    assert proc.returncode == 2 and '.pkl' in proc.stderr
