"""Files written by FaceLandmarkMetric: a CED-curve PNG and error tables."""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from .face_eval import ced_curve


def save_ced_plot(path: str,
                  curves: Dict[str, np.ndarray],
                  thr: float,
                  title: Optional[str] = None) -> str:
    """Plot the cumulative error distribution of each named NME set.

    Args:
        path (str): output PNG file.
        curves (dict): name -> per-sample NME as fractions, shape (N,).
        thr (float): right end of the x axis (fraction).
        title (str, optional): plot title.

    Returns:
        str: ``path``.
    """
    # The object-oriented Agg canvas renders without touching pyplot's
    # global backend, so training processes with a GUI backend are unharmed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, nmes in curves.items():
        xs, ys = ced_curve(nmes, thr)
        ax.plot(xs * 100, ys * 100, label=f'{name} (N={len(nmes)})')
    ax.set_xlim(0, thr * 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel('NME (%)')
    ax.set_ylabel('images (%)')
    ax.grid(True, alpha=0.3)
    ax.legend(loc='lower right', fontsize='small')
    if title:
        ax.set_title(title)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path)
    return path


def save_per_landmark_csv(path: str, names: Sequence[str],
                          columns: Dict[str, np.ndarray]) -> str:
    """Write a table with one row per landmark and one column per subset.

    Args:
        path (str): output CSV file.
        names (Sequence[str]): K landmark names.
        columns (dict): column name -> mean NME (%) per landmark, shape (K,).

    Returns:
        str: ``path``.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['index', 'name', *[f'NME/{c}' for c in columns]])
        for k, name in enumerate(names):
            writer.writerow([
                k, name,
                *[f'{float(col[k]):.4f}' for col in columns.values()]
            ])
    return path


def save_per_sample_csv(path: str, rows: List[dict]) -> str:
    """Write one row per evaluated face (image path, ids, NME %, subsets)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fields = ['img_path', 'img_id', 'id', 'NME', 'subsets']
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path
