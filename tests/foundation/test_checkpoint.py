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


def test_import_leaves_mmengine_loader_alone_and_foreign_pickles_are_refused(tmp_path,
                                                                             monkeypatch):
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
    from mmengine.runner.checkpoint import CheckpointLoader
    # register_scheme mutates and then replaces the scheme table: restore the original object
    monkeypatch.setattr(CheckpointLoader, '_schemes', dict(CheckpointLoader._schemes))
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


class Marker:
    """A harmless global outside the allow-list (os.getcwd would run on an unsafe load)."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_library_loaders_stay_safe_when_torch_default_is_overridden(tmp_path, monkeypatch):
    """FaceLandmarker, build_torch_model and the distiller's teacher load with weights_only=True
    even under TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD (which flips only torch's *default*), and leave
    mmengine's loader as it was."""
    from mmengine.runner.checkpoint import CheckpointLoader

    from popos.apis import FaceLandmarker
    from popos.deploy.export import build_torch_model
    from popos.models.distillers.heatmap_distiller import HeatmapDistiller
    from popos.utils import safe_loading
    from popos.utils.checkpoint import _load_from_local
    from popos.weights import get_model_info
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    tiny_cfg = get_model_info('tiny')['config']
    state = build_torch_model(tiny_cfg, None).state_dict()
    bad = osp.join(tmp_path, 'bad.pth')
    torch.save(dict(state_dict=state, meta=dict(payload=Marker())), bad)
    # the override really is active: torch's default loader runs the payload
    assert torch.load(bad)['meta']['payload'] == os.getcwd()
    loader = CheckpointLoader._schemes['']
    with pytest.raises(UnsafeCheckpointError, match='refusing to load'):
        build_torch_model(tiny_cfg, bad)
    with pytest.raises(UnsafeCheckpointError, match='refusing to load'):
        FaceLandmarker('tiny', weights=bad, detector=None)
    distiller = HeatmapDistiller.__new__(HeatmapDistiller)
    torch.nn.Module.__init__(distiller)
    distiller.teacher, distiller.teacher_ckpt = ToyModel(), bad
    with pytest.raises(UnsafeCheckpointError, match='refusing to load'):
        distiller._load_teacher()
    assert CheckpointLoader._schemes[''] is loader
    # a clean checkpoint still loads the same way
    good = osp.join(tmp_path, 'good.pth')
    torch.save(dict(state_dict=state, meta=dict(note='ok')), good)
    model = build_torch_model(tiny_cfg, good)
    key = next(iter(state))
    assert torch.equal(model.state_dict()[key], state[key])
    with safe_loading():
        assert CheckpointLoader._schemes[''] is _load_from_local
    assert CheckpointLoader._schemes[''] is loader


class Trusted:
    """A user's own type stored in a checkpoint (e.g. a custom hook's state)."""

    def __init__(self, value=0):
        self.value = value


def test_allow_checkpoint_types_admits_exactly_the_named_type(tmp_path):
    from popos.utils import allow_checkpoint_types, safe_torch_load
    path = osp.join(tmp_path, 'custom.pth')
    torch.save(dict(state_dict={}, meta=dict(hook=Trusted(3))), path)
    with pytest.raises(UnsafeCheckpointError, match='allow_checkpoint_types'):
        safe_torch_load(path)
    before = torch.serialization.get_safe_globals()
    allow_checkpoint_types(Trusted)
    try:
        assert safe_torch_load(path)['meta']['hook'].value == 3
    finally:   # the allow-list is process-wide: leave it as it was
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)


def test_a_file_that_is_not_a_checkpoint_is_named_as_such(tmp_path):
    from popos.apis import FaceLandmarker
    from popos.utils import safe_torch_load
    from popos.weights import get_model_info
    tflite = get_model_info('tiny')['exports']['tflite']
    with pytest.raises(ValueError, match="not a PyTorch checkpoint.*backend='tflite'"):
        FaceLandmarker('tiny', weights=tflite, detector=None)
    text = osp.join(tmp_path, 'notes.pth')
    with open(text, 'w') as f:
        f.write('not a checkpoint')
    with pytest.raises(ValueError, match='notes.pth is not a PyTorch checkpoint'):
        safe_torch_load(text)


def test_another_models_checkpoint_is_refused_not_loaded_as_random_weights(tmp_path):
    """mmengine/mmpose load non-strictly; popos' loaders check the keys, shapes and the recorded
    heatmap size first (mmpose's own heads record no size)."""
    from mmengine.config import Config

    from popos.apis import FaceLandmarker
    from popos.deploy.export import build_torch_model
    from popos.utils import safe_torch_load
    from popos.utils.checkpoint import (CheckpointMismatchError, HeatmapSizeMismatchError,
                                        check_checkpoint_fits)
    from popos.utils.resolution import set_heatmap_size
    from popos.weights import get_model_info
    tiny, small = get_model_info('tiny'), get_model_info('small')
    # another network that also records another size: both are named
    for load in (lambda: build_torch_model(small['config'], tiny['checkpoint']),
                 lambda: FaceLandmarker('small', weights=tiny['checkpoint'], detector=None)):
        with pytest.raises(HeatmapSizeMismatchError, match='8x8 heatmaps.*does not fit either: '
                                                           r'\d+ missing keys'):
            load()
    state = safe_torch_load(tiny['checkpoint'])['state_dict']      # no size recorded
    with pytest.raises(CheckpointMismatchError, match='does not fit this model config'):
        check_checkpoint_fits(build_torch_model(small['config'], None), state, 'tiny.pth',
                              (4, 4))
    # mmpose's DARK head: same weights at 8x8 and 32x32, told apart by the config in the meta
    cfg = Config.fromfile(osp.join(osp.dirname(osp.dirname(osp.dirname(__file__))), 'configs',
                                   '300w', 'td-hm_hrnetv2-w18s_dark-1xb32-20e_300w-128x128-hm8.py'))
    model8 = build_torch_model(cfg, None)
    big = cfg.copy()
    set_heatmap_size(big, 32)
    ckpt = dict(state_dict=model8.state_dict(), meta=dict(cfg=big.pretty_text))
    with pytest.raises(HeatmapSizeMismatchError, match='trained with 32x32 heatmaps'):
        check_checkpoint_fits(model8, ckpt, 'dark32.pth', (8, 8))
    check_checkpoint_fits(model8, ckpt, 'dark32.pth', (32, 32))
