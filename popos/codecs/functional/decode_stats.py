"""Debug statistic: how often the eager pseudo-range decode falls back (not updated in export)."""
from typing import Dict

_COUNTS: Dict[str, int] = {'landmarks': 0, 'pseudorange_rejected': 0,
                           'gauss_newton_rejected': 0}


def record_decode(landmarks: int, pseudorange_rejected: int, gauss_newton_rejected: int) -> None:
    """Add one decode call's counts (landmarks with a peak; rejected solves)."""
    _COUNTS['landmarks'] += landmarks
    _COUNTS['pseudorange_rejected'] += pseudorange_rejected
    _COUNTS['gauss_newton_rejected'] += gauss_newton_rejected


def decode_stats() -> Dict[str, float]:
    """Counts since the last reset, and the fallback rates over landmarks that had a peak.

    ``pseudorange_rejected``: the joint position/scale/offset solve was implausible (width
    ratio outside (0.2, 5) or too far from the argmax) and the fallback answered instead
    (``fallback='grid'``: grid search + Gauss-Newton); ``gauss_newton_rejected``: of those,
    Gauss-Newton also left the peak and the grid optimum answered (0 with ``'seed'`` and
    ``'width'``). Counted by ``decode_heatmaps`` in eager mode with
    ``mode='popos', refine='pseudorange'``.
    """
    n = max(_COUNTS['landmarks'], 1)
    return dict(_COUNTS, pseudorange_fallback_rate=_COUNTS['pseudorange_rejected'] / n,
                grid_fallback_rate=_COUNTS['gauss_newton_rejected'] / n)


def reset_decode_stats() -> None:
    """Zero the counters."""
    for key in _COUNTS:
        _COUNTS[key] = 0
