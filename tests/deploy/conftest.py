"""Shared deploy fixtures: a toy WFLW set and a small, briefly fitted MobileNetV2 + POPoSHead."""
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


@pytest.fixture(scope='session')
def toy_root(tmp_path_factory) -> str:
    from popos.deploy.toy_data import make_toy_wflw
    return make_toy_wflw(str(tmp_path_factory.mktemp('toy_wflw')), num_train=16, num_test=6,
                         image_size=80, seed=3)


@pytest.fixture(scope='session')
def model_cfg(toy_root):
    import popos.deploy  # noqa: F401
    from popos.deploy.toy_data import toy_model_config
    cfg = toy_model_config(MODEL_CFG, toy_root)
    cfg.test_dataloader.batch_size = 3
    return cfg


@pytest.fixture(scope='session')
def checkpoint(model_cfg, tmp_path_factory) -> str:
    """60 Adam steps, so heatmaps are peaked: parity on flat noise only measures argmin ties."""
    from popos.deploy.toy_data import fit
    model = fit(model_cfg, steps=60, seed=0, batch_size=8, lr=5e-3, cache_batches=1)
    path = str(tmp_path_factory.mktemp('ckpt') / 'toy.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.fixture(scope='session')
def test_image(toy_root) -> str:
    return osp.join(toy_root, 'images', 'test_00000.png')


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
