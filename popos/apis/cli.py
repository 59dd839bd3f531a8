"""Argument checks shared by the command-line tools (tools/run_model.py, demo/*.py).

Each check exits with one line naming the flag at fault, before a model is loaded; output
naming mirrors the inputs' directories so that results never replace each other or an input.
"""
import argparse
import os
import os.path as osp
import sys
from collections import Counter
from typing import Dict, List, Optional, Sequence

BACKENDS = ('torch', 'onnxruntime', 'tflite')
EXPORT_EXTS = {'.onnx': 'onnxruntime', '.tflite': 'tflite'}
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_cli(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """``parser.parse_args`` with a usage error, not a traceback, for a malformed --decoder
    (mmengine's DictAction raises a bare ValueError on ``KEY`` without ``=VALUE``)."""
    try:
        return parser.parse_args(argv)
    except ValueError:  # DictAction's own text ("not enough values to unpack") helps no one
        parser.error('argument --decoder: expected KEY=VALUE settings, e.g. '
                     'anchor_mask=monotone robust_iters=0')


def positive_int(text: str) -> int:
    """argparse ``type`` of a count such as ``--limit``: an integer >= 1 (0 or a negative
    number would slice the input to nothing, or drop its last items)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a whole number, got {text!r}') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


def shipped_names() -> List[str]:
    from popos.weights import list_aliases, list_models
    return list(list_aliases()) + list_models()


def check_model(model: str, weights: Optional[str], backend: str,
                decoder: Optional[Dict[str, object]] = None, weights_flag: str = '--weights',
                model_flag: str = '--model') -> None:
    """Exit with one line for a model / weights / backend / decoder combination that cannot
    work, before anything heavy is loaded."""
    shipped = model in shipped_names()
    if not shipped and not osp.isfile(model):
        sys.exit(f'{model_flag} {model}: neither a shipped model '
                 f'({", ".join(shipped_names())}) nor a config file')
    if weights is not None:
        if not osp.isfile(weights):
            sys.exit(f'{weights_flag} {weights}: no such file')
        ext = osp.splitext(weights)[1].lower()
        if backend == 'torch' and ext in EXPORT_EXTS:
            sys.exit(f'{weights_flag} {weights} is an exported model: add --backend '
                     f'{EXPORT_EXTS[ext]}')
        if backend != 'torch' and EXPORT_EXTS.get(ext) != backend:
            want = {v: k for k, v in EXPORT_EXTS.items()}[backend]
            sys.exit(f'--backend {backend} needs a {want} file, got {weights_flag} {weights}')
    elif shipped and backend != 'torch':
        from popos.weights import get_model_info
        info = get_model_info(model)
        if backend not in info.get('exports', {}):
            have = ', '.join(info.get('exports', {})) or 'none'
            sys.exit(f'the shipped model {model!r} has no {backend} export (it has: {have}); '
                     f'export one with tools/deploy.py and pass it with {weights_flag} FILE')
    elif not shipped and backend == 'torch':
        sys.exit(f'the model config {model} needs its checkpoint: {weights_flag} CKPT')
    elif not shipped:
        sys.exit(f'--backend {backend} with the model config {model} needs the exported file: '
                 f'{weights_flag} FILE')
    if decoder:
        if backend != 'torch':
            sys.exit('--decoder needs --backend torch: an exported graph holds its decoder')
        _check_decoder(dict(decoder), model)


def _check_decoder(settings: Dict[str, object], model: str) -> None:
    # Builds only the codec (no weights), so a bad value is named before the model loads.
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import KEYPOINT_CODECS

    import popos  # noqa: F401  (registers POPoSHeatmap)
    from popos.apis.face_landmarker import resolve_model
    from popos.codecs import check_decoder_settings
    config = resolve_model(model, None, need_checkpoint=False)[0]
    decoder = Config.fromfile(config).model.head.get('decoder')
    text = ' '.join(f'{k}={v}' for k, v in settings.items())
    if not decoder or decoder.get('type') != 'POPoSHeatmap':
        sys.exit(f'--decoder {text}: the model has no POPoSHeatmap decoder')
    try:
        check_decoder_settings(settings)
        init_default_scope('mmpose')
        KEYPOINT_CODECS.build(dict(decoder, **settings))
    except (ValueError, TypeError) as err:
        sys.exit(f'--decoder {text}: {err}')


def build_landmarker(model: str, **kwargs):
    """``FaceLandmarker(model, **kwargs)``, its refusals as a one-line exit message."""
    import torch

    from popos.apis import FaceLandmarker
    from popos.utils.checkpoint import CheckpointMismatchError, HeatmapSizeMismatchError
    device = str(kwargs.get('device') or 'cpu')
    if device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit(f'--device {device}: this machine has no CUDA device (or torch was built '
                 'without CUDA); use --device cpu')
    try:
        return FaceLandmarker(model, **kwargs)
    except (ValueError, OSError, KeyError, ImportError, CheckpointMismatchError,
            HeatmapSizeMismatchError) as err:
        sys.exit(f'cannot build the landmarker ({model}): {err}')


def plan_outputs(paths: Sequence[str], out_dir: str, suffixes: Sequence[str]) -> List[str]:
    """One output base path (no suffix) per input image, unique, never an input's directory.

    The images' directories relative to their common parent are mirrored under ``out_dir``;
    the name is the image's stem, or its full file name when another image of the same
    directory has the same stem. Exits if an output would land beside the input images or
    two outputs would still coincide."""
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        sys.exit(f'output directory {out_dir} is a file')
    if not paths:
        return []
    absolute = [osp.abspath(p) for p in paths]
    root = osp.commonpath([osp.dirname(p) for p in absolute])
    dirs = [osp.relpath(osp.dirname(p), root) for p in absolute]
    stems = [osp.splitext(osp.basename(p))[0] for p in absolute]
    shared = Counter(zip(dirs, stems))
    bases = [osp.normpath(osp.join(out_dir, d, osp.basename(p) if shared[d, s] > 1 else s))
             for p, d, s in zip(absolute, dirs, stems)]
    inputs = {osp.realpath(p) for p in absolute}
    owner: Dict[str, str] = {}
    for path, base in zip(absolute, bases):
        # realpath of the directory: out_dir may not exist yet, or be a symlink to the images
        real_dir = osp.realpath(osp.dirname(base))
        if real_dir == osp.realpath(osp.dirname(path)):
            sys.exit(f'output directory {osp.dirname(base)} is the directory of the input '
                     f'{path}: results would be mixed with (and could replace) the images or '
                     'their annotations there; choose another output directory')
        for suffix in suffixes:
            out = osp.join(real_dir, osp.basename(base) + suffix)
            if out in inputs:
                sys.exit(f'the output {out} would replace an input image; choose another '
                         'output directory')
            if owner.setdefault(out, path) != path:
                sys.exit(f'{owner[out]} and {path} would both write {out}; rename one')
    return bases


def remove_stale(base: str, suffixes: Sequence[str]) -> List[str]:
    """Delete an earlier run's results for an image that gave none this time."""
    removed = []
    for suffix in suffixes:
        if osp.isfile(base + suffix):
            os.remove(base + suffix)
            removed.append(base + suffix)
    return removed
