"""The eager decode of a few faces per call, run as a compiled graph.

On one face a decode is about 55 tensor ops on tensors of a few hundred numbers; PyTorch spends
3-10 us dispatching each, about twice that when other work (a network's forward pass, another
decoder) has emptied the caches since the last call. The same code, traced once per decoder
plan into the static graph that export uses (the fallback left out), runs in onnxruntime at
~1-2 us a node. The landmarks whose pseudo-range solve is implausible (rare on real maps), or
within ``DEFER_MARGIN`` of the bound, are decoded again by the eager code, which decides them
with its own solve, runs the fallback and counts it; so the answers are the eager decoder's up
to the rounding of the two 4x4 solves (Cramer's rule in the graph, LU in eager). Used by
:func:`decode_heatmaps` for eager calls on CPU with at most :data:`MAX_LANDMARKS` landmarks on
maps of at most :data:`MAX_MAP_PIXELS` pixels (16x16), when onnxruntime is installed; off with
``POPOS_COMPILED_DECODE=0`` (read when popos is imported) or :func:`set_compiled_decode`.
"""
import importlib.util
import inspect
import io
import os
import threading
import warnings
from collections import OrderedDict
from typing import Callable, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from .decode_plan import DEFERRED, DecodePlan
from .decode_stats import record_decode

# Larger calls stay eager: a batch spreads PyTorch's per-op cost over many landmarks.
MAX_LANDMARKS = 1024
# So do larger maps: the graph's passes over whole maps (max, argmax, min and sum are
# separate in onnxruntime) cost more than PyTorch's from 32x32 on.
MAX_MAP_PIXELS = 256
# A plan is compiled on its second eligible call: one-off decodes never pay for compiling.
COMPILE_AT_CALL = 2
# Compiled plans kept (least recently created dropped first).
MAX_PLANS = 64
# read once, when popos is imported
_STATE = {'enabled': os.environ.get('POPOS_COMPILED_DECODE', '1') != '0'}
# keyed by the plan's settings and shape (its fields before the tables): a plan rebuilt after
# leaving decode_plan's cache finds its compiled graph again
_SETTING_FIELDS = DecodePlan._fields.index('tables')
_CACHE: 'OrderedDict[tuple, _Entry]' = OrderedDict()
_LOCK = threading.Lock()

DecodeFn = Callable[[DecodePlan, Tensor, bool], Tuple[Tensor, Tensor, Optional[Tensor]]]


def set_compiled_decode(enabled: bool) -> bool:
    """Switch the compiled one-face decode on or off for this process; returns the old state."""
    old, _STATE['enabled'] = _STATE['enabled'], bool(enabled)
    return old


class _StaticDecode(nn.Module):
    """(B, J, H, W) heatmaps -> keypoints, scores, landmarks left to the fallback: the static
    graph of one plan."""

    def __init__(self, plan: DecodePlan, decode: DecodeFn) -> None:
        super().__init__()
        self.plan = plan._replace(fallback=DEFERRED)
        self.decode = decode

    def forward(self, heatmaps: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        return self.decode(self.plan, heatmaps, True)


class CompiledDecode:
    """One decoder plan's static graph in an onnxruntime session (one thread), with the eager
    fallback for the landmarks the graph leaves to it."""

    def __init__(self, plan: DecodePlan, decode: DecodeFn) -> None:
        import onnxruntime as ort
        self.plan, self.decode = plan, decode
        buffer = io.BytesIO()
        # zeros, not random: compiling must not advance the caller's random number generator;
        # float32 on CPU whatever the process defaults (the graph's input is a network's output)
        sample = torch.zeros(1, 2, plan.height, plan.width, dtype=torch.float32, device='cpu')
        kwargs = {'dynamo': False} if 'dynamo' in inspect.signature(
            torch.onnx.export).parameters else {}
        # the tracer's notes on constants and Python values describe the static graph as meant
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad(), \
                torch.autocast('cpu', enabled=False):
            warnings.simplefilter('ignore')
            torch.onnx.export(_StaticDecode(plan, decode), (sample, ), buffer, opset_version=11,
                              input_names=['heatmaps'],
                              output_names=['keypoints', 'scores', 'deferred'],
                              dynamic_axes={'heatmaps': {0: 'batch', 1: 'landmarks'}}, **kwargs)
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(buffer.getvalue(), options,
                                            providers=['CPUExecutionProvider'])

    def __call__(self, heatmaps: Tensor) -> Tuple[Tensor, Tensor]:
        """(B, J, H, W) CPU heatmaps -> (B*J, 2) keypoints in heatmap px, (B*J,) scores."""
        maps = heatmaps.detach()
        maps = maps if maps.dtype == torch.float32 else maps.float()
        kpts, scores = self.run(np.ascontiguousarray(maps.numpy()))
        return torch.from_numpy(kpts), torch.from_numpy(scores)

    def run(self, maps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(B, J, H, W) C-contiguous float32 heatmaps -> (B*J, 2) keypoints, (B*J,) scores."""
        kpts, scores, deferred = self.session.run(None, {'heatmaps': maps})
        scores = scores.reshape(-1)  # the static graph keeps an (N, 1) score
        rows = np.flatnonzero(deferred)
        # a landmark has a peak exactly when its score is > 0 (the eager count)
        record_decode(int(np.count_nonzero(scores)) - rows.size, 0, 0)
        if rows.size:
            sub = torch.from_numpy(maps.reshape(-1, self.plan.height, self.plan.width)[rows])
            with torch.inference_mode():
                sub_kpts, sub_scores = self.decode(self.plan, sub[None], False)[:2]
            kpts[rows], scores[rows] = sub_kpts.numpy(), sub_scores.numpy()
        return kpts, scores


def may_compile(landmarks: int, height: int, width: int) -> bool:
    """Whether a decode of this many landmarks on H x W maps may run compiled (onnxruntime
    installed, switched on, small enough), before any plan is resolved."""
    if 'onnxruntime' not in _STATE:
        _STATE['onnxruntime'] = importlib.util.find_spec('onnxruntime') is not None
    return (_STATE['enabled'] and _STATE['onnxruntime'] and landmarks <= MAX_LANDMARKS
            and height * width <= MAX_MAP_PIXELS)


def compiled_decoder(plan: DecodePlan, heatmaps: Tensor,
                     decode: DecodeFn) -> Optional[CompiledDecode]:
    """The plan's compiled decode if this eager call should use it, else None.

    Compiled on a plan's second eligible call (~0.1 s: trace, export, session), so a plan
    used once never pays for it; without onnxruntime (:func:`may_compile`), or if compiling
    fails (a warning says why), the plan stays eager. Plans whose clip floor weighs in
    (``clip_floor ** power > 1e-12``) stay eager: the graph spells the weights' cut at the
    floor as a subtraction of ``clip_floor ** power`` (see ``anchor_weights``), which then
    moves the answers.
    """
    if (not may_compile(heatmaps.shape[0] * heatmaps.shape[1], plan.height, plan.width)
            or plan.mode != 'popos' or plan.refine != 'pseudorange'
            or heatmaps.device.type != 'cpu'
            or plan.clip_floor ** plan.power > 1e-12
            # the exporter types Python numbers with the default dtype: a float64 default
            # would make a graph of mixed types (not counted: compiled once it is float32)
            or torch.get_default_dtype() != torch.float32):
        return None
    key = plan[:_SETTING_FIELDS]
    entry = _CACHE.get(key)
    if entry is not None and entry.calls >= COMPILE_AT_CALL:
        return entry.compiled
    with _LOCK:
        entry = _CACHE.get(key)
        if entry is None:
            entry = _CACHE[key] = _Entry(plan)
            while len(_CACHE) > MAX_PLANS:  # a sweep over settings must not pile up sessions
                _CACHE.popitem(last=False)
        entry.calls += 1
        compile_now = entry.calls == COMPILE_AT_CALL
    if compile_now:  # outside the lock: other plans' first calls do not wait for this one
        entry.compiled = _compile(plan, decode)
    return entry.compiled


class _Entry:
    """A plan's eligible calls so far and its compiled decode."""

    def __init__(self, plan: DecodePlan) -> None:
        self.plan, self.calls, self.compiled = plan, 0, None


def _compile(plan: DecodePlan, decode: DecodeFn) -> Optional[CompiledDecode]:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    try:
        return CompiledDecode(plan, decode)
    except Exception as err:  # noqa: BLE001  (any exporter/runtime failure: stay eager)
        warnings.warn(f'popos: the compiled one-face decode is unavailable for '
                      f'{plan.height}x{plan.width} maps ({type(err).__name__}: {err}); '
                      'decoding eagerly')
        return None
