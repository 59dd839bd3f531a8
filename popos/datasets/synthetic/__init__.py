"""Procedural faces with exact landmarks, written in the real datasets'
folder layouts (WFLW, 300W, COFW, AFLW, COCO-WholeBody-Face, LaPa, the
51-point ivslab set) so that stock mmpose face configs run on them by
changing ``data_root`` only.

Importing this package is cheap: numpy/OpenCV modules load on first use.

Example::

    from popos.datasets.synthetic import generate_dataset
    generate_dataset('wflw', 'data/wflw_synth', num_train=1000, num_test=200)
"""
import importlib
from typing import Any

_EXPORTS = {
    'generate_dataset': 'generate',
    'make_record': 'generate',
    'image_path': 'generate',
    'SPLITS': 'generate',
    'synthesize': 'sample',
    'FaceSample': 'sample',
    'FaceParams': 'face_model',
    'FaceModel': 'face_model',
    'sample_face_params': 'face_model',
    'Camera': 'camera',
    'sample_camera': 'camera',
    'Look': 'appearance',
    'sample_look': 'appearance',
    'LAYOUTS': 'layouts',
    'Layout': 'layouts',
    'get_layout': 'layouts',
    'layout_points': 'layouts',
    'draw_landmarks': 'grid',
    'make_grid': 'grid',
}

LAYOUT_NAMES = ('wflw', '300w', 'cofw', 'aflw', 'coco_wholebody_face', 'lapa',
                'ivslab51')

__all__ = sorted(_EXPORTS) + ['LAYOUT_NAMES']


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        mod = importlib.import_module(f'.{_EXPORTS[name]}', __name__)
        return getattr(mod, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
