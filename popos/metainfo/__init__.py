"""Dataset metainfo files shipped with popos, and a helper to locate them."""
import os.path as osp

METAINFO_DIR = osp.dirname(osp.abspath(__file__))


def metainfo_path(name: str) -> str:
    """Absolute path of the metainfo file ``popos/metainfo/<name>.py``.

    mmpose's ``parse_pose_metainfo`` only falls back to mmpose's own ``.mim``
    copy for relative paths, so popos' files must be given as absolute paths;
    computing them from this package keeps them valid after a non-editable
    ``pip install``.
    """
    path = osp.join(METAINFO_DIR, f'{name}.py')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'popos ships no metainfo named {name!r} (looked for {path})')
    return path


__all__ = ['metainfo_path', 'METAINFO_DIR']
