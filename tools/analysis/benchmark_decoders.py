"""Decoder benchmark on simulated heatmaps: argmax, DARK, UDP, KeyPosS and POPoS.

Every codec encodes the same random sub-pixel ground truth with its own encoder; the same
perturbations (amplitude and width mismatch, additive noise, a weaker second peak, blur)
are then applied to all of them, and each decodes its own maps. Errors are in input
pixels and reported as ratios to DARK; decode time is per batch (B faces x J landmarks)
against mmpose's DARK decode of the same batch, in the same process.

    python tools/analysis/benchmark_decoders.py --out-md docs/benchmark_decoders.md \
        --out-png docs/images/benchmark_decoders.png
"""
import argparse
import time
from typing import Dict, List

import cv2
import numpy as np
import torch
from mmpose.codecs import MSRAHeatmap, UDPHeatmap

from popos.codecs import POPoSHeatmap

METHODS = ('argmax', 'DARK', 'UDP', 'KeyPosS', 'POPoS')
CONDITIONS = {
    'ideal': dict(amp=(1.0, 1.0), width=(1.0, 1.0), noise=0.0, second=0.0, blur=0.0),
    'realistic': dict(amp=(0.55, 1.0), width=(0.8, 1.25), noise=0.03, second=0.2, blur=0.5),
    # Decoder defaults are chosen on this one, not on 'realistic': spatially correlated and
    # multiplicative noise, wider amplitude/width spread, more and closer false peaks.
    'tuning': dict(amp=(0.4, 0.95), width=(0.7, 1.4), noise=0.02, second=0.3, blur=0.8,
                   second_dist=(2.0, 3.5), second_amp=(0.2, 0.6), noise_blur=1.0, speckle=0.1),
}


def make_codec(method: str, input_size: int, hm: int, sigma: float):
    size = dict(input_size=(input_size, input_size), heatmap_size=(hm, hm))
    if method == 'argmax':
        return MSRAHeatmap(sigma=sigma, unbiased=False, **size)
    if method == 'DARK':
        return MSRAHeatmap(sigma=sigma, unbiased=True, blur_kernel_size=11, **size)
    if method == 'UDP':
        return UDPHeatmap(sigma=sigma, **size)
    if method == 'KeyPosS':
        return POPoSHeatmap(sigma=sigma, decode_mode='keypos', **size)
    return POPoSHeatmap(sigma=sigma, decode_mode='popos', **size)


def simulate(method: str, gt: np.ndarray, hm: int, input_size: int, sigma: float, cond: dict,
             seed: int) -> np.ndarray:
    """Encode gt (B, J, 2) with the method's encoder and perturb; same RNG stream for all."""
    rng = np.random.default_rng(seed)
    b, j, _ = gt.shape
    maps = np.zeros((b, j, hm, hm), np.float32)
    for i in range(b):
        width = rng.uniform(*cond['width'])
        codec = make_codec(method, input_size, hm, sigma * width)
        enc = codec.encode(gt[i:i + 1])['heatmaps']
        maps[i] = enc[:j] if enc.shape[0] >= j else enc
    maps *= rng.uniform(*cond['amp'], size=(b, j, 1, 1)).astype(np.float32)
    if cond['second'] > 0:
        # A weaker false peak 2.5-4 sigma away on a fraction of the landmarks.
        has = rng.random((b, j)) < cond['second']
        ang = rng.uniform(0, 2 * np.pi, (b, j))
        dist = rng.uniform(*cond.get('second_dist', (2.5, 4.0)), (b, j)) * sigma
        amp2 = rng.uniform(*cond.get('second_amp', (0.3, 0.5)), (b, j))
        stride = input_size / hm
        centre = gt / stride + np.stack([np.cos(ang), np.sin(ang)], -1) * dist[..., None]
        ys, xs = np.mgrid[0:hm, 0:hm].astype(np.float32)
        d2 = (xs - centre[..., 0, None, None]) ** 2 + (ys - centre[..., 1, None, None]) ** 2
        maps = np.maximum(maps, (has * amp2)[..., None, None] * np.exp(-d2 / (2 * sigma ** 2)))
    if cond['blur'] > 0:
        for i in range(b):
            for k in range(j):
                maps[i, k] = cv2.GaussianBlur(maps[i, k], (0, 0), cond['blur'])
    if cond.get('speckle', 0) > 0:
        maps = maps * (1 + rng.normal(0, cond['speckle'], maps.shape)).astype(np.float32)
    if cond['noise'] > 0:
        noise = rng.normal(0, cond['noise'], maps.shape).astype(np.float32)
        if cond.get('noise_blur', 0) > 0:
            # correlated noise of the same per-pixel std as white noise
            for i in range(b):
                for k in range(j):
                    noise[i, k] = cv2.GaussianBlur(noise[i, k], (0, 0), cond['noise_blur'])
            noise *= cond['noise'] / max(float(noise.std()), 1e-12)
        maps = maps + noise
    return maps


def decode(method: str, codec, maps: np.ndarray):
    """Return (B, J, 2) keypoints and the wall time of decoding the whole batch."""
    if method in ('KeyPosS', 'POPoS'):
        tensor = torch.from_numpy(maps)
        start = time.perf_counter()
        kpts, _ = codec.batch_decode_tensor(tensor)
        return kpts.numpy(), time.perf_counter() - start
    # mmpose's heads decode these codecs one sample at a time (BaseHead.decode).
    start = time.perf_counter()
    out = [codec.decode(m.copy())[0][0] for m in maps]
    return np.stack(out), time.perf_counter() - start


def run(sizes: List[int], batch: int, joints: int, input_size: int, sigma: float, seed: int,
        repeats: int) -> Dict:
    results = {}
    for cname, cond in CONDITIONS.items():
        for hm in sizes:
            rng = np.random.default_rng(seed + hm)
            margin = 0.1 * input_size
            gt = rng.uniform(margin, input_size - margin, (batch, joints, 2)).astype(np.float32)
            for method in METHODS:
                codec = make_codec(method, input_size, hm, sigma)
                maps = simulate(method, gt, hm, input_size, sigma, cond, seed + 7 * hm)
                times = []
                for _ in range(repeats):
                    kpts, dt = decode(method, codec, maps)
                    times.append(dt)
                err = np.linalg.norm(kpts - gt, axis=-1).mean()
                results[(cname, hm, method)] = dict(err=float(err), time=float(np.median(times)))
    return results


def to_markdown(results: Dict, sizes: List[int], batch: int, joints: int) -> str:
    lines = []
    for cname in CONDITIONS:
        lines.append(f'\n**{cname}** — mean error in input px (ratio to DARK)\n')
        lines.append('| heatmap | ' + ' | '.join(METHODS) + ' |')
        lines.append('|---' * (len(METHODS) + 1) + '|')
        for hm in sizes:
            dark = results[(cname, hm, 'DARK')]['err']
            cells = [f"{results[(cname, hm, m)]['err']:.3f} ({results[(cname, hm, m)]['err'] / dark:.2f}×)"
                     for m in METHODS]
            lines.append(f'| {hm}×{hm} | ' + ' | '.join(cells) + ' |')
    lines.append(f'\n**decode time** per batch of {batch} faces × {joints} landmarks, ms '
                 f'(ratio to DARK; realistic maps; {torch.get_num_threads()} thread(s))\n')
    lines.append('| heatmap | ' + ' | '.join(METHODS) + ' |')
    lines.append('|---' * (len(METHODS) + 1) + '|')
    for hm in sizes:
        dark = results[('realistic', hm, 'DARK')]['time']
        cells = [f"{1e3 * results[('realistic', hm, m)]['time']:.1f} "
                 f"({results[('realistic', hm, m)]['time'] / dark:.2f}×)" for m in METHODS]
        lines.append(f'| {hm}×{hm} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def plot(results: Dict, sizes: List[int], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(CONDITIONS), figsize=(5 * len(CONDITIONS), 3.6))
    for ax, cname in zip(np.atleast_1d(axes), CONDITIONS):
        for method in METHODS:
            ax.plot(sizes, [results[(cname, s, method)]['err'] for s in sizes], 'o-', label=method)
        ax.set_xscale('log', base=2)
        ax.set_yscale('log')
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(s) for s in sizes])
        ax.set_xlabel('heatmap side (input 256)')
        ax.set_ylabel('mean error (input px)')
        ax.set_title(f'simulated heatmaps, {cname}')
        ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[64, 32, 16, 8, 4])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--joints', type=int, default=98)
    parser.add_argument('--input-size', type=int, default=256)
    parser.add_argument('--sigma', type=float, default=2.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeats', type=int, default=3, help='timed decodes (median)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch and OpenCV threads for every decoder (mmpose decodes on one)')
    parser.add_argument('--out-md', help='write the tables as Markdown')
    parser.add_argument('--out-png', help='write error vs heatmap size as PNG')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    results = run(args.sizes, args.batch, args.joints, args.input_size, args.sigma, args.seed,
                  args.repeats)
    table = to_markdown(results, args.sizes, args.batch, args.joints)
    print(table)
    if args.out_md:
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(table)
    if args.out_png:
        plot(results, args.sizes, args.out_png)


if __name__ == '__main__':
    main()
