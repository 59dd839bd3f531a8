"""Safe checkpoint loading: ``torch.load(weights_only=True)`` with mmengine's types allow-listed.

mmengine 0.10.x checkpoints carry a few non-tensor objects (the message hub's
``HistoryBuffer``, its statistic methods and numpy arrays/scalars). Instead of disabling torch's
safe unpickler (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), popos allow-lists exactly those types (on
import, additively);
its tools also route mmengine's local-file loader through ``weights_only=True``, where anything
else in a pickle is refused with :class:`UnsafeCheckpointError`.
"""
import collections
import contextlib
import io
import os.path as osp
import pickle
from typing import Any, Callable, Iterator, List, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object outside the allow-list."""


def _numpy_globals() -> List[Any]:
    """The numpy callables/types numpy arrays and scalars pickle themselves with."""
    core = getattr(np, '_core', None) or np.core
    items = [np.ndarray, np.dtype, core.multiarray._reconstruct, core.multiarray.scalar]
    for code in '?bBhHiIlLqQefdgFDG':
        items.append(type(np.dtype(code)))
    return items


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what pickle needs for ``HistoryBuffer.<statistic>``.

    Pickle stores the message hub's statistic methods as ``getattr(HistoryBuffer, 'min')``
    (nested qualnames); a general ``getattr`` would let a crafted file walk from an
    allowed class to arbitrary objects, so only these lookups are served.
    """
    # Public methods defined on HistoryBuffer itself (min, max, mean, current, custom
    # statistics); its registry dict fills lazily, so it cannot be the check.
    if obj is HistoryBuffer and isinstance(name, str) and not name.startswith('_') \
            and callable(vars(HistoryBuffer).get(name)):
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f'checkpoint asks for getattr({getattr(obj, "__name__", type(obj).__name__)}, '
        f'{name!r}), which is not on the allow-list')


def mmengine_safe_globals() -> List[Any]:
    """All globals popos allows inside a checkpoint besides tensors and builtins."""
    # bytes: empty numpy buffers pickle as bytes(); Counter: mmpose dataset statistics.
    return [HistoryBuffer, bytes, collections.Counter,
            (_history_buffer_getattr, 'builtins.getattr'),
            (_history_buffer_getattr, '__builtin__.getattr')] + _numpy_globals()


def allow_checkpoint_types(*types: Any) -> None:
    """Extend the allow-list with types you trust (e.g. a custom hook's state)."""
    torch.serialization.add_safe_globals(list(types))


def safe_torch_load(filename: str, map_location: Optional[Any] = None) -> Any:
    """``torch.load`` with ``weights_only=True``; refusals name the file and the offending type.

    ``filename``: a local path, or a URL one of mmengine's file backends reads (``http://``,
    ``s3://``, ...), read into memory first.
    """
    source: Any = filename
    if '://' in str(filename):
        from mmengine.fileio import get
        source = io.BytesIO(get(filename))
    elif osp.isfile(filename):
        _check_is_torch_file(filename)
    try:
        return torch.load(source, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()
        detail = next((line for line in first if 'GLOBAL' in line or 'Unsupported' in line),
                      first[0] if first else '')
        raise UnsafeCheckpointError(
            f'refusing to load {filename!r}: it contains a pickled object that is not a '
            f'tensor or one of the types mmengine checkpoints store ({detail.strip()}). '
            'Only load checkpoints you trust; for a trusted custom type call '
            '`popos.utils.allow_checkpoint_types(MyType)` first.') from exc


def _check_is_torch_file(filename: str) -> None:
    """torch.save writes a zip archive (a raw pickle before torch 1.6); anything else, e.g. an
    exported .onnx / .tflite model, would otherwise fail as an 'unsupported pickle operand'."""
    import zipfile
    with open(filename, 'rb') as f:
        legacy_pickle = f.read(1) == b'\x80'
    if legacy_pickle or zipfile.is_zipfile(filename):
        return
    hint = {'.onnx': " (an exported model: use backend='onnxruntime')",
            '.tflite': " (an exported model: use backend='tflite')"}.get(
                osp.splitext(filename)[1].lower(), '')
    raise ValueError(f'{filename} is not a PyTorch checkpoint (a file written by torch.save)'
                     f'{hint}')


def _load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return safe_torch_load(filename, map_location=map_location)


def allow_mmengine_checkpoints() -> None:
    """Add mmengine's checkpoint types to torch's ``weights_only`` allow-list (additive only).

    ``import popos`` calls this: torch >= 2.6 already loads with ``weights_only=True`` by
    default, and with these types allowed mmengine's own loader opens its own checkpoints.
    """
    torch.serialization.add_safe_globals(mmengine_safe_globals())


def install_safe_loading() -> Callable:
    """Route mmengine's local-file loader through :func:`safe_torch_load` (``weights_only=True``).

    Called by popos' own tools (``tools/train.py``, ``tools/test.py``, ...), not on import: it
    replaces mmengine's loader for the process, forcing ``weights_only=True`` even where torch's
    default was changed, and names the offending type when a file is refused. popos' library
    code loads inside :func:`safe_loading` instead.
    """
    allow_mmengine_checkpoints()
    CheckpointLoader.register_scheme(prefixes='', force=True)(_load_from_local)
    return _load_from_local


@contextlib.contextmanager
def safe_loading() -> Iterator[None]:
    """Within the block, mmengine's local-file loader is :func:`safe_torch_load`; restored after.

    For library code that loads through mmengine or mmpose (``load_checkpoint``,
    ``init_model``, mmdeploy): ``weights_only=True`` even where torch's default was changed
    (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), without changing the loader for the caller's process.
    """
    previous = CheckpointLoader._schemes.get('')
    install_safe_loading()
    try:
        yield
    finally:
        if previous is not None:
            CheckpointLoader.register_scheme(prefixes='', loader=previous, force=True)


class CheckpointMismatchError(ValueError):
    """A checkpoint that was not trained with the model config it is loaded into."""


class HeatmapSizeMismatchError(RuntimeError):
    """A checkpoint was trained for another heatmap resolution than the model."""


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: Any, filename: str = 'checkpoint',
                          heatmap_size: Optional[Any] = None) -> dict:
    """Raise :class:`CheckpointMismatchError` unless ``checkpoint`` (a loaded mmengine checkpoint
    or state dict) has exactly ``model``'s parameters and buffers, with their shapes, and
    :class:`HeatmapSizeMismatchError` if it records another heatmap size.

    mmengine loads non-strictly (a warning per key) and mmpose's heads do not record their
    heatmap size, so another model's checkpoint would evaluate or export as random weights. A
    distiller's teacher keys (never saved) may be missing. ``heatmap_size`` (W, H): also compare
    with the codec of the config stored in the checkpoint's meta by mmengine, when there is one.
    Returns the state dict (``module.`` prefixes stripped), ready to load.
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointMismatchError(f'{filename} holds no state dict')
    state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state and not k.startswith('teacher.')]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}' for k in own
              if k in state and hasattr(state[k], 'shape') and state[k].shape != own[k].shape]
    problems = '; '.join(f'{len(v)} {what} (e.g. {v[0]})' for what, v in (
        ('missing keys', missing), ('unexpected keys', unexpected),
        ('shape mismatches, checkpoint vs config', shapes)) if v)
    trained = _trained_heatmap_size(checkpoint) if heatmap_size is not None and isinstance(
        checkpoint, dict) else None
    if trained is not None and tuple(trained) != tuple(heatmap_size):
        # the size first: a popos config at another size also changes the network
        raise HeatmapSizeMismatchError(
            f'{filename} was trained with {trained[0]}x{trained[1]} heatmaps (W x H) but this '
            f'config makes {heatmap_size[0]}x{heatmap_size[1]}: use the config it was trained '
            f'with (a popos config at another size: --heatmap-size {trained[1]} of '
            f'tools/train.py and tools/test.py, popos.utils.set_heatmap_size(cfg, '
            f'{trained[1]}) in Python)'
            + (f'; the network does not fit either: {problems}' if problems else ''))
    if problems:
        raise CheckpointMismatchError(
            f'{filename} does not fit this model config: {problems}. It was trained with '
            'another config')
    return state


def load_checked_checkpoint(model: torch.nn.Module, filename: str, cfg: Any) -> dict:
    """Read ``filename`` once (``weights_only=True``), check it fits ``model`` built from
    ``cfg`` (:func:`check_checkpoint_fits`) and load its weights; returns the checkpoint."""
    from mmengine.runner import load_state_dict
    checkpoint = safe_torch_load(filename, map_location='cpu')
    state = check_checkpoint_fits(model, checkpoint, filename, codec_heatmap_size(cfg))
    load_state_dict(model, state)
    return checkpoint


def codec_heatmap_size(cfg: Any) -> Optional[tuple]:
    """``config_heatmap_size``, or None for a config without a heatmap codec (e.g. SimCC)."""
    from .resolution import config_heatmap_size
    try:
        return config_heatmap_size(cfg)
    except (ValueError, AttributeError, KeyError):
        return None


def _trained_heatmap_size(checkpoint: dict) -> Optional[tuple]:
    """The heatmap size a checkpoint records: publish_model's meta, or the ``codec =
    dict(heatmap_size=...)`` of the config text mmengine stores in its meta, read with ``ast``
    (the text is never executed: it comes from the file)."""
    import ast
    meta = checkpoint.get('meta') or {}
    if isinstance(meta.get('heatmap_size'), (list, tuple)):  # tools/misc/publish_model.py
        return tuple(int(v) for v in meta['heatmap_size'])
    text = meta.get('cfg')
    if not isinstance(text, str):
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == 'codec' for t in node.targets) and \
                isinstance(node.value, ast.Call):
            for kw in node.value.keywords:
                if kw.arg == 'heatmap_size':
                    try:
                        return tuple(int(v) for v in ast.literal_eval(kw.value))
                    except (ValueError, TypeError):
                        return None
    return None
