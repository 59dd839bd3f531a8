"""A built wheel carries the shipped models: weights, their configs and the index."""
import json
import os.path as osp
import subprocess
import sys
import zipfile

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_wheel_contains_every_shipped_model(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation',
                    '-q', '-w', str(tmp_path), REPO], check=True, timeout=600)
    wheel = next(p for p in tmp_path.iterdir() if p.suffix == '.whl')
    names = set(zipfile.ZipFile(wheel).namelist())
    with open(osp.join(REPO, 'popos', 'weights', 'models.json')) as f:
        index = json.load(f)
    assert 'popos/weights/models.json' in names
    for entry in index['models'].values():
        for key in ('config', 'checkpoint'):
            assert f'popos/weights/{entry[key]}' in names
