"""Checkpoints round-trip through mmengine with weights_only=True; foreign pickles are refused."""
import os
import os.path as osp

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from torch.utils.data import Dataset

import popos  # noqa: F401  (allow-lists mmengine's checkpoint types)
from popos.utils import UnsafeCheckpointError, install_safe_loading


class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((out.squeeze(-1) - labels) ** 2).mean())
        return out


class ToyData(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        x = torch.tensor([float(i), 1.0])
        return dict(inputs=x, labels=torch.tensor(2.0 * i))


class Evil:
    """Any class outside the allow-list."""

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def _runner(work_dir, max_iters, resume=False, load_from=None):
    return Runner(
        model=ToyModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToyData(), sampler=dict(type='DefaultSampler', shuffle=False),
                              batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=1000),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False)),
        resume=resume, load_from=load_from, default_scope='mmengine')


def test_runner_checkpoint_loads_and_resumes_weights_only(tmp_path, monkeypatch):
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    _runner(tmp_path, max_iters=2).train()
    ckpt = osp.join(tmp_path, 'iter_2.pth')
    assert osp.isfile(ckpt)
    # The checkpoint really holds non-tensor mmengine state that plain weights_only refuses
    # without the allow-list.
    raw = torch.load(ckpt, weights_only=True)
    assert 'message_hub' in raw and 'optimizer' in raw

    model = ToyModel()
    load_checkpoint(model, ckpt, map_location='cpu', strict=True)
    assert torch.equal(model.linear.weight, raw['state_dict']['linear.weight'])

    runner = _runner(tmp_path, max_iters=4, resume=True)
    runner.train()
    assert runner.iter == 4
    assert osp.isfile(osp.join(tmp_path, 'iter_4.pth'))


def test_import_leaves_mmengine_loader_alone_and_foreign_pickles_are_refused(tmp_path):
    import pickle
    import subprocess
    import sys
    bad = osp.join(tmp_path, 'evil.pth')
    torch.save(dict(state_dict=ToyModel().state_dict(), meta=dict(payload=Evil())), bad)
    code = ('import popos\n'
            'from mmengine.runner.checkpoint import CheckpointLoader\n'
            'print(CheckpointLoader._schemes[""].__module__)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == 'mmengine.runner.checkpoint', out.stderr
    # mmengine's own loader (torch's weights_only default) refuses it ...
    with pytest.raises(pickle.UnpicklingError):
        torch.load(bad, weights_only=True)
    # ... and popos' tools' stricter loader names the problem
    install_safe_loading()
    with pytest.raises(UnsafeCheckpointError, match='refusing to load'):
        load_checkpoint(ToyModel(), bad, map_location='cpu')


def test_allow_list_is_what_makes_it_load(tmp_path):
    """Without popos' allow-list the same runner checkpoint fails under weights_only=True."""
    import subprocess
    import sys
    _runner(tmp_path, max_iters=2).train()
    ckpt = osp.join(tmp_path, 'iter_2.pth')
    code = ('import pickle, torch\n'
            f'try:\n    torch.load({ckpt!r}, weights_only=True)\n'
            'except pickle.UnpicklingError:\n    print("refused")\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.stdout.strip() == 'refused', out.stderr


def test_restricted_getattr_serves_only_history_buffer_methods():
    from popos.utils.checkpoint import _history_buffer_getattr
    assert _history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for obj, name in ((HistoryBuffer, '__init__'), (HistoryBuffer, '__class__'),
                      (os, 'system'), (HistoryBuffer, 'no_such_method')):
        with pytest.raises(UnsafeCheckpointError):
            _history_buffer_getattr(obj, name)
