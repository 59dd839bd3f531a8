"""The eager decode of a few faces per call, run as a compiled graph.

On one face a decode is ~50 tensor ops on tensors of a few hundred numbers; PyTorch spends
3-10 us dispatching each, about twice that when other work (a network's forward pass, another
decoder) has emptied the caches since the last call. The same code, traced once per decoder
plan into the static graph that export uses (the fallback left out), runs in onnxruntime at
~1-2 us a node. The landmarks whose pseudo-range solve is implausible (rare on real maps) are
decoded again by the eager code, which runs the fallback and counts it, so the answers are the
eager decoder's: the graph solves its 4x4 systems by Cramer's rule, eager by LU, and the two
agree to ~1e-4 heatmap px. Used by :func:`decode_heatmaps` for eager calls on CPU with at most
:data:`MAX_LANDMARKS` landmarks, when onnxruntime is installed; off with
``POPOS_COMPILED_DECODE=0`` or :func:`set_compiled_decode`.
"""
import inspect
import io
import os
import threading
import warnings
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from .decode_plan import DEFERRED, DecodePlan
from .decode_stats import record_decode

# Larger calls stay eager: a batch spreads PyTorch's per-op cost over many landmarks.
MAX_LANDMARKS = 1024
# A plan is compiled on its second eligible call: one-off decodes never pay for compiling.
COMPILE_AT_CALL = 2
_STATE = {'enabled': os.environ.get('POPOS_COMPILED_DECODE', '1') != '0'}
_CACHE: Dict[int, '_Entry'] = {}
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
        # zeros, not random: compiling must not advance the caller's random number generator
        sample = torch.zeros(1, 2, plan.height, plan.width)
        kwargs = {'dynamo': False} if 'dynamo' in inspect.signature(
            torch.onnx.export).parameters else {}
        # the tracer's notes on constants and Python values describe the static graph as meant
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
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
        kpts, scores, deferred = self.session.run(
            None, {'heatmaps': np.ascontiguousarray(maps.numpy())})
        rows = np.flatnonzero(deferred)
        # a landmark has a peak exactly when its score is > 0 (the eager count)
        record_decode(int(np.count_nonzero(scores)) - rows.size, 0, 0)
        if rows.size:
            sub = maps.reshape(-1, self.plan.height, self.plan.width)[torch.from_numpy(rows)]
            with torch.inference_mode():
                sub_kpts, sub_scores = self.decode(self.plan, sub[None], False)[:2]
            kpts[rows], scores[rows] = sub_kpts.numpy(), sub_scores.numpy()
        return torch.from_numpy(kpts), torch.from_numpy(scores)


def compiled_decoder(plan: DecodePlan, heatmaps: Tensor,
                     decode: DecodeFn) -> Optional[CompiledDecode]:
    """The plan's compiled decode if this eager call should use it, else None.

    Compiled on a plan's second eligible call (~0.1 s: trace, export, session), so a plan
    used once never pays for it; without onnxruntime, or if compiling fails (a warning says
    why), the plan stays eager.
    """
    if (not _STATE['enabled'] or plan.mode != 'popos' or plan.refine != 'pseudorange'
            or heatmaps.device.type != 'cpu'
            or heatmaps.shape[0] * heatmaps.shape[1] > MAX_LANDMARKS):
        return None
    entry = _CACHE.get(id(plan))
    if entry is None or (entry.calls < COMPILE_AT_CALL and entry.calls + 1 >= COMPILE_AT_CALL):
        with _LOCK:
            entry = _CACHE.setdefault(id(plan), _Entry(plan))     # the entry keeps plan alive
            entry.calls += 1
            if entry.calls == COMPILE_AT_CALL:
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
