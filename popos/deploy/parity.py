"""Backend vs PyTorch parity: heatmap and keypoint differences of the two export modes."""
from typing import Dict, List, Sequence

import numpy as np
import torch
from torch import nn

from .modules import HeatmapModel, decode_to_input_px
from .runners import BackendRunner


@torch.no_grad()
def reference_outputs(pose_model: nn.Module, inputs: np.ndarray) -> Dict[str, np.ndarray]:
    """PyTorch heatmaps and the codec's (Python-side) decode of them, keypoints in input px."""
    heatmaps = HeatmapModel(pose_model).eval()(torch.from_numpy(inputs))
    keypoints, scores = pose_model.head.decoder.batch_decode_tensor(heatmaps)
    return dict(heatmaps=heatmaps.numpy(), keypoints=keypoints.numpy(), scores=scores.numpy())


def compare(pose_model: nn.Module, runner: BackendRunner, inputs: np.ndarray,
            decode: bool) -> Dict[str, float]:
    """Max-abs differences of a backend against PyTorch on the same normalised inputs.

    Heatmap exports report ``heatmap_max_abs`` and the keypoint difference after decoding
    both with the codec; decode-in-graph exports compare their keypoints/scores with the
    codec's decode of the PyTorch heatmaps. Keypoints are in input-crop pixels.
    """
    ref = reference_outputs(pose_model, inputs)
    outs: List[np.ndarray] = runner(inputs)
    if decode:
        if len(outs) < 2:
            raise ValueError('a decode-in-graph export must output keypoints and scores')
        kpts, scores = outs[0], outs[1]
        result = {}
    else:
        heatmaps = outs[0]
        if heatmaps.shape != ref['heatmaps'].shape:
            raise ValueError(f'backend heatmaps {heatmaps.shape} != PyTorch '
                             f'{ref["heatmaps"].shape}')
        k, s = decode_to_input_px(torch.from_numpy(heatmaps), pose_model.head.decoder)
        kpts, scores = k.numpy(), s.numpy()
        result = dict(heatmap_max_abs=float(np.abs(heatmaps - ref['heatmaps']).max()))
    if kpts.shape != ref['keypoints'].shape:
        raise ValueError(f'backend keypoints {kpts.shape} != PyTorch {ref["keypoints"].shape}')
    err = np.linalg.norm(kpts - ref['keypoints'], axis=-1)
    stable = decode_is_stable(pose_model.head.decoder, ref['heatmaps'], ref['keypoints'])
    result.update(keypoint_max_px=float(err.max()), keypoint_mean_px=float(err.mean()),
                  keypoint_max_px_stable=float(err[stable].max()) if stable.any() else 0.0,
                  unstable_fraction=float(1.0 - stable.mean()),
                  score_max_abs=float(np.abs(scores - ref['scores']).max()))
    return result


def decode_is_stable(codec, heatmaps: np.ndarray, keypoints: np.ndarray, noise: float = 1e-5,
                     tol_px: float = 0.05, trials: int = 3, seed: int = 0) -> np.ndarray:
    """(B,K) mask of landmarks whose PyTorch decode moves < ``tol_px`` under tiny noise.

    Where two pixels tie to ~1e-6 (an untrained or ambiguous map) the argmax, and so the
    decoded point, flips under float rounding on any backend - even PyTorch with another
    thread count. Parity is asserted on the landmarks where decoding is well-posed; the
    rest is reported as ``unstable_fraction``.
    """
    rng = np.random.default_rng(seed)
    stable = np.ones(heatmaps.shape[:2], bool)
    for _ in range(trials):
        noisy = heatmaps + rng.uniform(-noise, noise, heatmaps.shape).astype(np.float32)
        moved, _ = codec.batch_decode_tensor(torch.from_numpy(noisy))
        stable &= np.linalg.norm(moved.numpy() - keypoints, axis=-1) < tol_px
    return stable


def format_parity(name: str, result: Dict[str, float], keys: Sequence[str] = ()) -> str:
    """One human-readable line."""
    keys = keys or sorted(result)
    return f'{name}: ' + ', '.join(f'{k}={result[k]:.3g}' for k in keys if k in result)
