"""Shared test fixtures: repository paths and the real face samples from ../shared."""
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_SAMPLES = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data', 'face_samples')


# CI sets POPOS_NO_SKIPS=1: there ../shared and every optional package are present, so a
# test that skips would hide a broken install or a missing data link; it fails instead.
NO_SKIPS = os.environ.get('POPOS_NO_SKIPS') == '1'


def _fail_skipped(report) -> None:
    if NO_SKIPS and report.skipped and not hasattr(report, 'wasxfail'):
        report.outcome = 'failed'
        report.longrepr = f'skipped under POPOS_NO_SKIPS=1: {report.longrepr}'


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skipped(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skipped(outcome.get_result())


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def face_samples() -> str:
    if not osp.isdir(SHARED_SAMPLES):
        pytest.skip('../shared/data/face_samples is not present')
    return SHARED_SAMPLES


@pytest.fixture(scope='session')
def real_300w_val():
    """[(image path, (68, 2) ground truth)] of the 195 real 300-W val faces in ../shared."""
    import json

    import numpy as np
    root = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data', '300w')
    if not osp.isdir(root):
        pytest.skip('../shared/data/300w is not present')
    with open(osp.join(root, 'annotations', 'face_landmarks_300w_valid.json')) as f:
        coco = json.load(f)
    files = {im['id']: osp.join(root, 'images', im['file_name']) for im in coco['images']}
    return [(files[a['image_id']], np.asarray(a['keypoints'], np.float32).reshape(-1, 3)[:, :2])
            for a in coco['annotations']]


@pytest.fixture(autouse=True)
def mmpose_default_scope():
    """Every test starts in mmpose's scope (a Runner in another test may have changed it)."""
    import uuid

    from mmengine.registry import DefaultScope
    DefaultScope.get_instance(f'popos-test-{uuid.uuid4().hex}', scope_name='mmpose')
    yield


@pytest.fixture(scope='session')
def tiny_wflw(tmp_path_factory) -> str:
    """A tiny synthetic dataset in the WFLW layout (8 train / 4 test faces, 96 px)."""
    from popos.datasets.synthetic import generate_dataset
    out = str(tmp_path_factory.mktemp('tiny_wflw'))
    generate_dataset('wflw', out, num_train=8, num_test=4, image_size=96, seed=0, workers=1,
                     progress=False)
    return out


# mmpose imports albumentations, whose 1.4 releases ask PyPI for updates on import
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
