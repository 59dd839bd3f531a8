"""Where the configs, tools and demos shipped with popos live.

A wheel carries them in ``popos/.mim/`` (mmpose's layout, filled by setup.py: copies in a wheel,
symlinks in an editable install); a source checkout that was never installed has them beside the
package.
"""
import os.path as osp

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def mim_path(*parts: str) -> str:
    """``<checkout>/<parts>`` in a source checkout, else ``popos/.mim/<parts>`` (a wheel).

    >>> from mmengine.config import Config
    >>> cfg = Config.fromfile(mim_path('configs', 'wflw_hrnet_popos.py'))
    """
    checkout = osp.dirname(PACKAGE_DIR)
    # a source checkout (editable install) is the truth; .mim may hold copies of an old build
    roots = [checkout] if osp.isfile(osp.join(checkout, 'setup.py')) else []
    for root in roots + [osp.join(PACKAGE_DIR, '.mim')]:
        path = osp.join(root, *parts)
        if osp.exists(path):
            return path
    raise FileNotFoundError(f'{osp.join(*parts)} is neither in {osp.join(PACKAGE_DIR, ".mim")} '
                            'nor in a source checkout')


def get_config(name: str) -> str:
    """Path of a shipped config, e.g. ``get_config('wflw_hrnet_popos.py')`` or
    ``get_config('deploy/pose-detection_onnxruntime_static.py')``."""
    return mim_path('configs', name)
