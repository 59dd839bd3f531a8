"""Trained models shipped inside the package: a name resolves to a config and a checkpoint.

``models.json`` (next to this file) is the index: for every model its config, checkpoint,
keypoint layout, data, terms of use, the numbers measured on held-out faces and, for models
made for devices, ``exports`` (backend -> exported file: ``onnxruntime``, ``tflite``); ``aliases``
maps the stable names users type (``'default'``, ``'small'``, ``'tiny'``) to a model name. The
checkpoints hold only the model's ``state_dict`` (fp16 tensors) and plain metadata, so
``torch.load(path, weights_only=True)`` opens them with no allow-list.
"""
import json
import os.path as osp
from typing import Dict, List, Tuple

WEIGHTS_DIR = osp.dirname(osp.abspath(__file__))
INDEX_FILE = osp.join(WEIGHTS_DIR, 'models.json')


class UnknownModelError(KeyError):
    """A model name that is neither a shipped model nor an alias."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


def _index() -> dict:
    with open(INDEX_FILE, encoding='utf-8') as f:
        return json.load(f)


def list_models() -> List[str]:
    """Names of the shipped models (aliases not included)."""
    return sorted(_index()['models'])


def list_aliases() -> Dict[str, str]:
    """Stable alias -> model name (e.g. ``{'default': ..., 'small': ...}``)."""
    return dict(_index()['aliases'])


def get_model_info(name: str) -> Dict:
    """The index entry of a model or alias, with absolute ``config`` / ``checkpoint`` paths."""
    index = _index()
    real = index['aliases'].get(name, name)
    if real not in index['models']:
        known = sorted(index['models']) + sorted(index['aliases'])
        raise UnknownModelError(f'no shipped model named {name!r}; known: {", ".join(known)}')
    info = dict(index['models'][real], name=real)
    info['exports'] = {b: osp.join(WEIGHTS_DIR, f) for b, f in info.get('exports', {}).items()}
    for key, path in [('config', osp.join(WEIGHTS_DIR, info['config'])),
                      ('checkpoint', osp.join(WEIGHTS_DIR, info['checkpoint'])),
                      *info['exports'].items()]:
        if not osp.isfile(path):
            raise FileNotFoundError(f'shipped model {real!r} is missing its {key} file '
                                    f'{path} (a broken install?)')
        if key in ('config', 'checkpoint'):
            info[key] = path
    return info


def resolve(name: str) -> Tuple[str, str]:
    """``(config_path, checkpoint_path)`` of a shipped model or alias."""
    info = get_model_info(name)
    return info['config'], info['checkpoint']


__all__ = ['UnknownModelError', 'list_models', 'list_aliases', 'get_model_info', 'resolve',
           'WEIGHTS_DIR']
