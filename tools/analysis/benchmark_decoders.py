"""Decoder benchmark on simulated heatmaps: argmax, DARK, UDP, KeyPosS and POPoS.

Every codec encodes the same random sub-pixel ground truth with its own encoder; the same
perturbations (amplitude and width mismatch, noise, a weaker second peak, blur) are then
applied to all of them, and each decodes its own maps. Errors are in input pixels, as
ratios to DARK, over several seeds. Decode times are ratios to mmpose's DARK decode of the
same maps in the same process, interleaved: per batch (B faces x J landmarks) and per
face (one ``decode`` call per face, as a tracker does), POPoS through the codec's numpy
``decode`` and its tensor ``batch_decode_tensor``. ``--in-graph`` adds the exported
decoder's latency next to the network it is attached to (ONNX Runtime and TFLite).

    python tools/analysis/benchmark_decoders.py --out-md docs/benchmark_decoders.md \
        --out-png docs/images/benchmark_decoders.png --in-graph
    python tools/analysis/benchmark_decoders.py --conditions tuning --skip-timing
    python tools/analysis/benchmark_decoders.py --conditions tuning realistic \
        --popos-option robust_iters=0 anchor_mask=monotone
"""
import argparse
import statistics
import time
from typing import Dict, List, Tuple

import cv2
import numpy as np
import torch
from mmpose.codecs import MSRAHeatmap, UDPHeatmap

from popos.codecs import POPoSHeatmap, check_decoder_settings
from popos.codecs.functional import decode_stats, reset_decode_stats, set_compiled_decode
from popos.utils.launch import add_decoder_argument

METHODS = ('argmax', 'DARK', 'UDP', 'KeyPosS', 'POPoS')
CONDITIONS = {
    'ideal': dict(amp=(1.0, 1.0), width=(1.0, 1.0), noise=0.0, second=0.0, blur=0.0),
    'realistic': dict(amp=(0.55, 1.0), width=(0.8, 1.25), noise=0.03, second=0.2, blur=0.5),
    # Decoder defaults are chosen on this one, not on 'realistic': spatially correlated and
    # multiplicative noise, wider amplitude/width spread, more and closer false peaks.
    'tuning': dict(amp=(0.4, 0.95), width=(0.7, 1.4), noise=0.02, second=0.3, blur=0.8,
                   second_dist=(2.0, 3.5), second_amp=(0.2, 0.6), noise_blur=1.0, speckle=0.1),
}

# decoder settings of the POPoS column (--popos-option), e.g. {'robust_iters': 0}
POPOS_OPTIONS: Dict = {}


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
    return POPoSHeatmap(sigma=sigma, decode_mode='popos', **size, **POPOS_OPTIONS)


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


def decode(method: str, codec, maps: np.ndarray) -> Tuple[np.ndarray, float]:
    """Return (B, J, 2) keypoints and the wall time of decoding the whole batch."""
    if method in ('KeyPosS', 'POPoS'):
        tensor = torch.from_numpy(maps)
        start = time.perf_counter()
        kpts, _ = codec.batch_decode_tensor(tensor)
        return kpts.numpy(), time.perf_counter() - start
    # mmpose's heads decode these codecs one sample at a time (BaseHead.decode).
    start = time.perf_counter()
    out = [codec.decode(m)[0][0] for m in maps]  # mmpose's decode copies its input
    return np.stack(out), time.perf_counter() - start


def ground_truth(batch: int, joints: int, input_size: int, seed: int) -> np.ndarray:
    """Uniform sub-pixel landmarks 10 % away from the crop border, (B, J, 2) input px."""
    rng = np.random.default_rng(seed)
    margin = 0.1 * input_size
    return rng.uniform(margin, input_size - margin, (batch, joints, 2)).astype(np.float32)


def accuracy(sizes: List[int], conditions: List[str], seeds: List[int], batch: int,
             joints: int, input_size: int, sigma: float) -> Dict:
    """Mean error per (condition, size, method) for every seed, and POPoS's fallback rates."""
    results = {}
    for cname in conditions:
        for hm in sizes:
            for seed in seeds:
                gt = ground_truth(batch, joints, input_size, seed * 1000 + hm)
                for method in METHODS:
                    codec = make_codec(method, input_size, hm, sigma)
                    maps = simulate(method, gt, hm, input_size, sigma, CONDITIONS[cname],
                                    seed * 7919 + 7 * hm)
                    reset_decode_stats()
                    kpts, _ = decode(method, codec, maps)
                    err = float(np.linalg.norm(kpts - gt, axis=-1).mean())
                    results.setdefault((cname, hm, method), []).append(err)
                    if method == 'POPoS':
                        results.setdefault((cname, hm, 'fallback'), []).append(decode_stats())
    return results


def time_batched(sizes: List[int], batch: int, joints: int, input_size: int, sigma: float,
                 seed: int, repeats: int) -> Dict:
    """Median time per batch for every method, the methods interleaved in every repeat."""
    results = {}
    for hm in sizes:
        gt = ground_truth(batch, joints, input_size, seed * 1000 + hm)
        codecs = {m: make_codec(m, input_size, hm, sigma) for m in METHODS}
        # float32, as a network outputs them (simulate works in float64)
        maps = {m: simulate(m, gt, hm, input_size, sigma, CONDITIONS['realistic'],
                            seed + 7 * hm).astype(np.float32) for m in METHODS}
        times = {m: [] for m in METHODS}
        for rep in range(repeats + 1):
            for m in METHODS:
                took = decode(m, codecs[m], maps[m])[1]
                if rep:  # the first round builds tables (and a small batch's compiled decode)
                    times[m].append(took)
        for m in METHODS:
            results[(hm, m)] = statistics.median(times[m])
    return results


def time_one_face(sizes: List[int], joint_counts: List[int], faces: int, input_size: int,
                  sigma: float, seed: int, repeats: int) -> Dict:
    """Median wall ms of one decode call on one face: DARK, POPoS numpy and torch (the
    compiled one-face decode where onnxruntime is installed) and POPoS torch with eager
    PyTorch ops, measured two ways.

    ``'back to back'``: each decoder decodes the cell's faces one call after another (warm
    caches, as when one frame holds several faces). ``'after another'``: every POPoS call
    follows a DARK call and DARK follows each POPoS call equally often, so every call finds
    the caches another decoder left (as a tracker's decode follows the network). Every
    repeat is a round over all (K, size) cells, so a slow phase of the machine spreads over
    the cells instead of landing on one of them.
    """
    cells = {}
    for joints in joint_counts:
        for hm in sizes:
            gt = ground_truth(faces, joints, input_size, seed * 1000 + hm)
            cond = CONDITIONS['realistic']
            dark, popos = make_codec('DARK', input_size, hm, sigma), make_codec(
                'POPoS', input_size, hm, sigma)
            # float32, as a network outputs them (simulate works in float64)
            dmaps = simulate('DARK', gt, hm, input_size, sigma, cond, seed + 7 * hm).astype(
                np.float32)
            pmaps = simulate('POPoS', gt, hm, input_size, sigma, cond, seed + 7 * hm).astype(
                np.float32)
            tmaps = [torch.from_numpy(pmaps[i:i + 1]) for i in range(faces)]
            cells[(joints, hm)] = {
                'DARK': lambda i, c=dark, m=dmaps: c.decode(m[i]),
                'numpy': lambda i, c=popos, m=pmaps: c.decode(m[i]),
                'torch': lambda i, c=popos, m=tmaps: c.batch_decode_tensor(m[i]),
                'eager': lambda i, c=popos, m=tmaps: eager_decode(c, m[i])}
    names = ('numpy', 'torch', 'eager')
    protocols = {
        'back to back': lambda rep: [(name, i) for name in ('DARK', ) + names
                                     for i in range(faces)],
        # each POPoS variant after a DARK call, their order rotating from face to face
        'after another': lambda rep: [(name, i) for i in range(faces) for popos in (
            names[(rep * faces + i) % 3:] + names[:(rep * faces + i) % 3]) for name in (
                'DARK', popos)]}
    wall = {(*cell, name, proto): [] for cell in cells for name in ('DARK', ) + names
            for proto in protocols}
    for rep in range(repeats + 1):
        for proto, order in protocols.items():
            for cell, calls in cells.items():
                for name, i in order(rep):
                    t0 = time.perf_counter()
                    calls[name](i)
                    if rep:  # the first round warms caches and the decoders' tables
                        wall[(*cell, name, proto)].append(time.perf_counter() - t0)
    return {key: 1e3 * statistics.median(times) for key, times in wall.items()}


def eager_decode(codec, heatmaps: torch.Tensor):
    """``codec.batch_decode_tensor`` with eager PyTorch ops (the compiled decode switched off)."""
    old = set_compiled_decode(False)
    try:
        return codec.batch_decode_tensor(heatmaps)
    finally:
        set_compiled_decode(old)


def provenance(threads: int) -> str:
    """One line naming the command, machine, threads and date of a generated table."""
    import datetime
    import platform
    import sys

    from benchmark_deploy import cpu_name
    cmd = ' '.join(['python tools/analysis/benchmark_decoders.py'] + sys.argv[1:])
    return (f'_Generated by `{cmd}` on {cpu_name()} ({platform.machine()}), {threads} '
            f'thread(s), {datetime.date.today().isoformat()}; accuracy is deterministic, times '
            'are this machine\'s._\n')


def _ratio_cell(errs: List[float], dark: List[float]) -> str:
    ratios = [e / d for e, d in zip(errs, dark)]
    spread = f'; {min(ratios):.2f}–{max(ratios):.2f}' if len(ratios) > 1 else ''
    return f'{np.mean(errs):.3f} ({np.mean(ratios):.2f}×{spread})'


def accuracy_markdown(results: Dict, sizes: List[int], conditions: List[str],
                      seeds: List[int]) -> str:
    """One error table per condition (mean over seeds; ratio range over seeds)."""
    lines = []
    for cname in conditions:
        lines.append(f'\n**{cname}** — mean error in input px (mean ratio to DARK; min–max '
                     f'over seeds {", ".join(map(str, seeds))})\n')
        lines.append('| heatmap | ' + ' | '.join(METHODS) + ' | POPoS fallback '
                     '| … grid optimum kept |')
        lines.append('|---' * (len(METHODS) + 3) + '|')
        for hm in sizes:
            dark = results[(cname, hm, 'DARK')]
            cells = [_ratio_cell(results[(cname, hm, m)], dark) for m in METHODS]
            fb = results[(cname, hm, 'fallback')]
            rate = lambda key: 100 * sum(f[key] for f in fb) / max(  # noqa: E731
                sum(f['landmarks'] for f in fb), 1)
            cells += [f'{rate("pseudorange_rejected"):.2f} %',
                      f'{rate("gauss_newton_rejected"):.2f} %']
            lines.append(f'| {hm}×{hm} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def timing_markdown(batched: Dict, one_face: Dict, sizes: List[int], batch: int,
                    joints: int) -> str:
    """Batched and one-face decode-time tables, ratios to DARK."""
    lines = []
    if batched:
        lines.append(f'\n**decode time per batch** of {batch} faces × {joints} landmarks, ms '
                     f'(ratio to DARK; realistic maps; {torch.get_num_threads()} thread)\n')
        lines.append('| heatmap | ' + ' | '.join(METHODS) + ' |')
        lines.append('|---' * (len(METHODS) + 1) + '|')
        for hm in sizes:
            dark = batched[(hm, 'DARK')]
            lines.append(f'| {hm}×{hm} | ' + ' | '.join(
                f'{1e3 * batched[(hm, m)]:.1f} ({batched[(hm, m)] / dark:.2f}×)'
                for m in METHODS) + ' |')
    if one_face:
        lines.append('\n**decode time per face** (one call per face, K landmarks), median wall '
                     'ms (ratio to DARK); *back to back*: each decoder on consecutive faces; '
                     "*after another*: every call follows another decoder's call; POPoS "
                     'torch and numpy as they run by default (the compiled one-face decode '
                     'on maps up to 16×16, eager PyTorch above), *eager*: torch with eager '
                     'PyTorch ops\n')
        lines.append('| K | heatmap | DARK, back to back | POPoS torch | POPoS numpy '
                     '| POPoS eager | DARK, after another | POPoS torch | POPoS numpy '
                     '| POPoS eager |')
        lines.append('|---' * 10 + '|')
        for joints_k in sorted({k[0] for k in one_face}):
            for hm in sizes:
                row = f'| {joints_k} | {hm}×{hm} |'
                for proto in ('back to back', 'after another'):
                    d = one_face[(joints_k, hm, 'DARK', proto)]
                    row += f' {d:.3f} |' + ''.join(
                        f' {t:.3f} ({t / d:.2f}×) |' for t in (
                            one_face[(joints_k, hm, m, proto)]
                            for m in ('torch', 'numpy', 'eager')))
                lines.append(row)
    return '\n'.join(lines) + '\n'


def plot(results: Dict, sizes: List[int], conditions: List[str], path: str) -> None:
    """Error vs heatmap size, one panel per condition (mean over seeds)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(conditions), figsize=(5 * len(conditions), 3.6))
    for ax, cname in zip(np.atleast_1d(axes), conditions):
        for method in METHODS:
            errs = [np.mean(results[(cname, s, method)]) for s in sizes]
            ax.plot(sizes, errs, 'o-', label=method)
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
    """Parse arguments, run the requested measurements, print (and write) Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[64, 32, 16, 8, 4])
    parser.add_argument('--conditions', nargs='+', default=['ideal', 'realistic'],
                        choices=sorted(CONDITIONS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--joints', type=int, default=98)
    parser.add_argument('--one-face-joints', type=int, nargs='+', default=[68, 98])
    parser.add_argument('--faces', type=int, default=20, help='faces in the one-face timing')
    parser.add_argument('--input-size', type=int, default=256)
    parser.add_argument('--sigma', type=float, default=2.0)
    parser.add_argument('--repeats', type=int, default=5, help='timed passes (median)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch and OpenCV threads for every decoder (mmpose decodes on one)')
    parser.add_argument('--skip-timing', action='store_true', help='accuracy tables only')
    parser.add_argument('--in-graph', action='store_true',
                        help='also time the exported decoder next to the reference network')
    add_decoder_argument(parser, '--popos-option', note=' (the POPoS column; with --in-graph '
                         'the exported decoders too, each column keeping its fallback)')
    parser.add_argument('--out-md', help='write the tables as Markdown')
    parser.add_argument('--out-png', help='write error vs heatmap size as PNG')
    args = parser.parse_args()
    POPOS_OPTIONS.update(args.popos_option or {})
    if 'decode_mode' in POPOS_OPTIONS:
        parser.error("--popos-option: the POPoS column decodes with decode_mode='popos'")
    try:
        check_decoder_settings(POPOS_OPTIONS)
    except ValueError as err:
        parser.error(f'--popos-option: {err}')
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    acc = accuracy(args.sizes, args.conditions, args.seeds, args.batch, args.joints,
                   args.input_size, args.sigma)
    table = accuracy_markdown(acc, args.sizes, args.conditions, args.seeds)
    if not args.skip_timing:
        batched = time_batched(args.sizes, args.batch, args.joints, args.input_size, args.sigma,
                               args.seeds[0], args.repeats)
        one_face = time_one_face(args.sizes, args.one_face_joints, args.faces, args.input_size,
                                 args.sigma, args.seeds[0], args.repeats)
        table += timing_markdown(batched, one_face, args.sizes, args.batch, args.joints)
    if args.in_graph:
        from in_graph_latency import in_graph_markdown
        table += in_graph_markdown(threads=args.threads, overrides=POPOS_OPTIONS)
    print(table)
    if args.out_md:
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(provenance(args.threads) + '\n' + table)
    if args.out_png:
        plot(acc, args.sizes, args.conditions, args.out_png)


if __name__ == '__main__':
    main()
