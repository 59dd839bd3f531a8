"""Install popos: POPoS facial-landmark decoding as an mmpose 1.x extension."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


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


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

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
        'popos': ['metainfo/*.py'],
        # shipped models: weights, their resolved configs and the index
        'popos.weights': ['*.pth', '*.py', '*.tflite', '*.onnx', 'models.json'],
    },
    python_requires='>=3.9',
    install_requires=parse_requirements('runtime.txt') + [
        'mmengine>=0.10.0,<1.0', 'mmpose>=1.3.0,<1.4', 'mmcv>=2.0.1,<2.2.0'
    ],
    extras_require={
        'tests': parse_requirements('tests.txt'),
        'deploy': parse_requirements('deploy.txt'),
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
