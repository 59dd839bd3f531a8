"""Install popos: POPoS facial-landmark decoding as an mmpose 1.x extension."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
#: Shipped inside the package as ``popos/.mim/<name>`` (the mmpose / mim layout).
MIM_FILES = ('configs', 'tools', 'demo')


def get_version() -> str:
    ns: dict = {}
    with open(osp.join(HERE, 'popos', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), ns)
    return ns['__version__']


def parse_requirements(fname: str) -> list:
    """Requirement lines of ``requirements/<fname>``, comments stripped."""
    with open(osp.join(HERE, 'requirements', fname), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line and not line.startswith('-')]


def add_mim_extension() -> None:
    """Put configs, tools and demos into ``popos/.mim`` as mmpose's setup.py does: symlinks
    for an editable install (edits show through), copies for a wheel or sdist."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'copy' if os.name == 'nt' else 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'build', 'build_py', 'install')):
        mode = 'copy'
    else:
        return
    mim = osp.join(HERE, 'popos', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(HERE, name), osp.join(mim, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim), dst)
        else:
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


def parse_extras(*names: str) -> list:
    return [r for name in names for r in parse_requirements(name)]


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

add_mim_extension()

setup(
    name='popos',
    version=get_version(),
    description='POPoS: robust facial landmarks from tiny heatmaps, as an mmpose 1.x extension',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(exclude=('tests', 'tests.*', 'tools', 'configs')),
    include_package_data=True,
    package_data={
        'popos': ['metainfo/*.py', '.mim/configs/**/*.py', '.mim/tools/**/*.py',
                  '.mim/tools/**/*.sh', '.mim/demo/*.py'],
        # shipped models: weights, their resolved configs and the index
        'popos.weights': ['*.pth', '*.py', '*.tflite', '*.onnx', 'models.json'],
    },
    python_requires='>=3.9,<3.12',  # the range docs/get_started.md states
    install_requires=parse_requirements('runtime.txt') + [
        'mmengine>=0.10.0,<1.0', 'mmpose>=1.3.0,<1.4', 'mmcv>=2.0.1,<2.2.0'
    ],
    extras_require={
        'tests': parse_requirements('tests.txt'),
        # mmdeploy itself: `pip install --no-deps mmdeploy==1.3.1` (its protobuf pin conflicts
        # with onnx; see docs/get_started.md)
        'deploy': parse_requirements('deploy.txt'),
        'tflite': parse_extras('deploy.txt', 'tflite.txt'),
        'embedded': parse_requirements('embedded.txt'),
        'all': parse_extras('deploy.txt', 'tflite.txt', 'embedded.txt'),
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
