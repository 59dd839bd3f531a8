"""Shared deploy fixtures: a tiny synthetic WFLW set, a briefly fitted MobileNetV2 + POPoSHead."""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdeploy')
pytest.importorskip('onnxruntime')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_CFG = osp.join(REPO, 'configs/deploy/models/td-hm_mobilenetv2-0.5_popos_wflw-64x64-hm8.py')
DEPLOY_DIR = osp.join(REPO, 'configs/deploy')


def deploy_cfg(name: str) -> str:
    return osp.join(DEPLOY_DIR, name)


def export_decoder(codec, sample, path: str, dynamic_batch: bool = True, **overrides) -> str:
    """The codec's decoder alone as an opset-11 ONNX graph: heatmaps ``h`` -> keypoints ``k`` in
    input px and scores ``s``; ``overrides`` replace decoder settings of the codec's (e.g.
    ``fallback='seed'``). A static batch (as the shipped embedded exports) has no shape nodes."""
    import copy

    from popos.deploy.export import onnx_export_without_dynamo
    from popos.deploy.modules import DecoderModel
    if overrides:
        codec = copy.copy(codec)
        codec.decode_cfg = dict(codec.decode_cfg, **overrides)
    with onnx_export_without_dynamo():
        torch.onnx.export(DecoderModel(codec).eval(), (torch.as_tensor(sample), ), path,
                          opset_version=11, input_names=['h'], output_names=['k', 's'],
                          dynamic_axes={'h': {0: 'b'}} if dynamic_batch else None)
    return path


def on_data(model_cfg, data_root: str):
    """The model config reading its WFLW-layout data from ``data_root``, in-process loaders."""
    from mmengine import Config
    cfg = Config.fromfile(model_cfg) if isinstance(model_cfg, str) else model_cfg.copy()
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
        cfg[f'{split}_dataloader'].num_workers = 0
        cfg[f'{split}_dataloader'].persistent_workers = False
    # the subset files are absolute paths under data/wflw
    cfg.test_evaluator.pop('subsets', None)
    cfg.val_evaluator.pop('subsets', None)
    return cfg


def fit(cfg, steps: int, seed: int = 0, lr: float = 3e-3, batch_size: int = 8):
    """``steps`` Adam steps on one cached train batch: peaked heatmaps in seconds (tests only;
    a real model trains with tools/train.py)."""
    import numpy as np
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, MODELS

    init_default_scope('mmpose')
    torch.manual_seed(seed)
    np.random.seed(seed)  # mmpose's random transforms draw from numpy's global state
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(min(batch_size, len(dataset)))])
    model = MODELS.build(cfg.model).train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=lr))
    for _ in range(steps):
        model.train_step(batch, optim)
    return model.eval()


def split_images(data_root: str) -> list:
    """Image paths of the test split, in annotation order."""
    import json
    with open(osp.join(data_root, 'annotations', 'face_landmarks_wflw_test.json')) as f:
        return [osp.join(data_root, 'images', im['file_name']) for im in json.load(f)['images']]


@pytest.fixture(scope='session')
def toy_root(tmp_path_factory) -> str:
    """16 train / 6 test synthetic faces (80 px) in the WFLW layout."""
    from popos.datasets.synthetic import generate_dataset
    out = str(tmp_path_factory.mktemp('toy_wflw'))
    generate_dataset('wflw', out, num_train=16, num_test=6, image_size=80, seed=3, workers=1,
                     progress=False)
    return out


@pytest.fixture(scope='session')
def model_cfg(toy_root):
    import popos.deploy  # noqa: F401
    cfg = on_data(MODEL_CFG, toy_root)
    cfg.test_dataloader.batch_size = 3
    return cfg


@pytest.fixture(scope='session')
def checkpoint(model_cfg, tmp_path_factory) -> str:
    """60 Adam steps, so heatmaps are peaked: parity on flat noise only measures argmin ties."""
    model = fit(model_cfg, steps=60, seed=0, batch_size=8, lr=5e-3)
    path = str(tmp_path_factory.mktemp('ckpt') / 'toy.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.fixture(scope='session')
def test_image(toy_root) -> str:
    return split_images(toy_root)[0]


@pytest.fixture(scope='session')
def pose_model(model_cfg, checkpoint):
    from popos.deploy import build_torch_model
    return build_torch_model(model_cfg, checkpoint)


@pytest.fixture(scope='session')
def val_inputs(model_cfg, toy_root):
    from popos.deploy.calibration import dataset_inputs
    return dataset_inputs(model_cfg, 'val', 4)


def assert_keypoint_parity(diff: dict, tol_px: float = 0.05) -> None:
    """Within tol where the PyTorch decode itself is well-posed; few ill-posed landmarks."""
    assert diff['keypoint_max_px_stable'] < tol_px, diff
    assert diff['keypoint_mean_px'] < tol_px, diff
    assert diff['unstable_fraction'] < 0.2, diff
