"""Uniform runners for exported models: normalised NCHW float32 batch -> list of numpy outputs."""
import os.path as osp
import statistics
import time
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch


def interleaved_ms(fns: Sequence[Callable[[int], object]], runs: int,
                   warmup: int = 10, shuffle: bool = False) -> List[float]:
    """Median wall time (ms) of each ``fn(i)`` (i = call index), the functions called in turn.

    Interleaving puts a load change on a shared machine on every function alike, so their
    ratio holds even when the absolute times drift. ``shuffle`` calls them in a fresh order
    every round (seeded): a large model leaves the caches cold for whatever runs after it, so
    a fixed order charges that to the same function every round.
    """
    for i in range(warmup):
        for fn in fns:
            fn(i)
    times: List[List[float]] = [[] for _ in fns]
    order = np.random.default_rng(0)
    for i in range(runs):
        for k in (order.permutation(len(fns)) if shuffle else range(len(fns))):
            t = time.perf_counter()
            fns[k](i)
            times[k].append((time.perf_counter() - t) * 1e3)
    return [statistics.median(t) for t in times]


def median_ms(fn: Callable[[int], object], runs: int, warmup: int = 10) -> float:
    """Median wall time (ms) of ``fn(i)`` over ``runs`` calls (i = call index), after warm-up."""
    return interleaved_ms([fn], runs, warmup)[0]


class BackendRunner:
    """Base: ``runner(inputs (B,3,H,W) float32) -> [outputs...]`` in the export's output order."""

    backend = 'none'

    def __call__(self, inputs: np.ndarray) -> List[np.ndarray]:
        raise NotImplementedError


class ExportMismatchError(ValueError):
    """An exported model file whose inputs or outputs do not fit its model config."""


def check_input_shape(path: str, expected: Sequence, inputs: np.ndarray) -> None:
    """An exported graph's fixed (C, H, W) must be what the crops are: LiteRT would resize its
    input silently (wrong landmarks) and onnxruntime fails deep in a kernel message."""
    fixed = [int(e) if isinstance(e, (int, np.integer)) and int(e) > 0 else None
             for e in list(expected)[1:]]
    got = list(inputs.shape[1:])
    if len(fixed) != len(got) or any(f is not None and f != g for f, g in zip(fixed, got)):
        raise ExportMismatchError(
            f'{path} takes {tuple(f or "?" for f in fixed)} inputs (C, H, W), the model config '
            f'crops {tuple(got)}: the file and the config belong to different models')


class OnnxRunner(BackendRunner):
    """onnxruntime session on CPU (``threads=1`` for latency measurements).

    Not mmdeploy's ``ORTWrapper``, which evaluation uses (``popos.deploy.backend_model``): that
    wrapper creates its session with default options, so its thread count cannot be fixed for
    the single-thread latencies, and it speaks torch dicts where the parity checks, the TFLite
    runner and ``run_model.py`` share numpy batches; static-batch graphs also run per sample here.
    """

    backend = 'onnxruntime'

    def __init__(self, path: str, threads: Optional[int] = None) -> None:
        import onnxruntime as ort
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(path, opts, providers=['CPUExecutionProvider'])
        self.path = path
        self.input_name = self.session.get_inputs()[0].name
        self.input_shape = self.session.get_inputs()[0].shape
        self.batch_dim = self.input_shape[0]

    def __call__(self, inputs: np.ndarray) -> List[np.ndarray]:
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        check_input_shape(self.path, self.input_shape, inputs)
        if isinstance(self.batch_dim, int) and self.batch_dim != inputs.shape[0]:
            # A static-batch graph runs sample by sample.
            parts = [self.session.run(None, {self.input_name: x[None]}) for x in inputs]
            return [np.concatenate(p) for p in zip(*parts)]
        return self.session.run(None, {self.input_name: inputs})


class TFLiteRunner(BackendRunner):
    """ai-edge-litert interpreter (XNNPACK); exported with batch 1, so batches run per sample."""

    backend = 'tflite'

    def __init__(self, path: str, threads: Optional[int] = None) -> None:
        from ai_edge_litert.interpreter import Interpreter
        self.path = path
        self.interpreter = Interpreter(model_path=path, num_threads=threads or 1)
        self.runner = self.interpreter.get_signature_runner()
        inputs = self.runner.get_input_details()
        if len(inputs) != 1:
            raise ValueError(f'{path}: expected one input, got {list(inputs)}')
        self.input_name = next(iter(inputs))
        # litert-torch names outputs output_0, output_1, ... in the module's return order.
        self.output_names = sorted(self.runner.get_output_details(),
                                   key=lambda n: int(n.rsplit('_', 1)[-1]) if
                                   n.rsplit('_', 1)[-1].isdigit() else n)

        self.input_detail = inputs[self.input_name]
        self.output_details = self.runner.get_output_details()

    @staticmethod
    def _quant(detail: dict):
        scale, zero = detail.get('quantization', (0.0, 0))
        return float(scale), int(zero)

    def _to_input(self, x: np.ndarray) -> np.ndarray:
        dtype = self.input_detail['dtype']
        if dtype == np.float32:
            return x
        # Full-integer models take quantised inputs: q = x / scale + zero_point.
        scale, zero = self._quant(self.input_detail)
        info = np.iinfo(dtype)
        return np.clip(np.round(x / scale + zero), info.min, info.max).astype(dtype)

    def _from_output(self, name: str, y: np.ndarray) -> np.ndarray:
        if y.dtype == np.float32:
            return y
        if not np.issubdtype(y.dtype, np.integer) or self._quant(self.output_details[name])[0] == 0:
            return y.astype(np.float32)
        scale, zero = self._quant(self.output_details[name])
        return ((y.astype(np.float32) - zero) * scale).astype(np.float32)

    def __call__(self, inputs: np.ndarray) -> List[np.ndarray]:
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        check_input_shape(self.path, self.input_detail['shape'], inputs)
        outs = []
        for x in inputs:
            res = self.runner(**{self.input_name: self._to_input(x[None])})
            outs.append([self._from_output(n, np.asarray(res[n])) for n in self.output_names])
        return [np.concatenate(p) for p in zip(*outs)]


class TorchRunner(BackendRunner):
    """The PyTorch export module (heatmaps or decoded), for parity and latency."""

    backend = 'pytorch'

    def __init__(self, module: torch.nn.Module, threads: Optional[int] = None) -> None:
        self.module = module.eval()
        if threads:
            torch.set_num_threads(threads)

    @torch.no_grad()
    def __call__(self, inputs: np.ndarray) -> List[np.ndarray]:
        out = self.module(torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32)))
        out = out if isinstance(out, (tuple, list)) else (out, )
        return [o.numpy() for o in out]


def build_runner(path: str, threads: Optional[int] = None) -> BackendRunner:
    """Runner for an ``.onnx`` or ``.tflite`` file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'backend model not found: {path}')
    if path.endswith('.onnx'):
        return OnnxRunner(path, threads)
    if path.endswith('.tflite'):
        return TFLiteRunner(path, threads)
    raise ValueError(f'unknown backend model type (want .onnx or .tflite): {path}')
