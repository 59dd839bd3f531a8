"""A built wheel carries the shipped models, the configs, tools and demos (``popos/.mim``), and
installs into a clean environment where it imports and loads a packaged config."""
import json
import os
import os.path as osp
import shutil
import site
import subprocess
import sys
import textwrap
import zipfile

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> str:
    """Built once, from a copy of the source tree: an old in-tree build/ or popos/.mim would
    otherwise leak files the repository no longer has into the wheel."""
    src = str(tmp_path_factory.mktemp('src') / 'popos')
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        '.git', '.venv', 'build', 'dist', '*.egg-info', '.mim', 'work_dirs', 'data',
        '__pycache__', '.pytest_cache'))
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation',
                    '-q', '-w', str(out), src], check=True, timeout=600)
    return str(next(p for p in out.iterdir() if p.suffix == '.whl'))


@pytest.mark.slow
def test_wheel_contains_every_shipped_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    with open(osp.join(REPO, 'popos', 'weights', 'models.json')) as f:
        index = json.load(f)
    assert 'popos/weights/models.json' in names
    for entry in index['models'].values():
        for key in ('config', 'checkpoint'):
            assert f'popos/weights/{entry[key]}' in names
        for exported in entry.get('exports', {}).values():  # tiny's .tflite / .onnx
            assert f'popos/weights/{exported}' in names


@pytest.mark.slow
def test_wheel_ships_configs_tools_and_demos(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ('configs', 'tools', 'demo'):
        for root, _, files in os.walk(osp.join(REPO, rel)):
            for f in files:
                if f.endswith(('.py', '.sh')):
                    path = osp.relpath(osp.join(root, f), REPO).replace(os.sep, '/')
                    assert f'popos/.mim/{path}' in names, path
    assert not any(n.startswith(('configs/', 'tools/', 'tests/')) for n in names)


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_and_loads_a_packaged_config(wheel, tmp_path):
    """A venv without pip or popos; the already installed stack (torch, mmpose, ...) is put on
    its path by a .pth file so nothing is downloaded. The wheel's popos must win."""
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True,
                   timeout=120)
    python = str(venv / 'bin' / 'python')
    venv_site = subprocess.run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        check=True, capture_output=True, text=True).stdout.strip()
    with open(osp.join(venv_site, 'stack.pth'), 'w') as f:
        # plain paths only: the editable install's own .pth hooks are not run
        f.write('\n'.join(p for p in site.getsitepackages() if osp.isdir(p)) + '\n')
    subprocess.run([sys.executable, '-m', 'pip', '--python', python, 'install', '--no-deps',
                    '--no-index', '-q', wheel], check=True, timeout=300)
    check = textwrap.dedent("""
        import os.path as osp, sys
        import popos
        from mmengine.config import Config
        from popos.utils import get_config
        root = osp.dirname(popos.__file__)
        assert root.startswith(sys.prefix), root
        path = get_config('wflw_hrnet_popos.py')
        assert path == osp.join(root, '.mim', 'configs', 'wflw_hrnet_popos.py'), path
        cfg = Config.fromfile(path)
        assert cfg.codec.type == 'POPoSHeatmap' and cfg.model.head.type == 'POPoSHead'
        assert osp.isfile(osp.join(root, '.mim', 'tools', 'train.py'))
        assert osp.isfile(get_config('deploy/pose-detection_onnxruntime_static.py'))
        print('ok', root)
    """)
    env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE='1')
    env.pop('PYTHONPATH', None)
    res = subprocess.run([python, '-c', check], cwd=str(tmp_path), env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith('ok ')
