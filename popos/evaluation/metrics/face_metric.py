"""Face-alignment metric: NME, FR@a, AUC@a, per subset, with reports."""
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmpose.registry import METRICS
from ..functional.face_eval import (DEFAULT_NORM_INDICES, DEFAULT_NORM_MODE,
                                    box_size, eye_distance, fr_auc,
                                    landmark_boxes, normalised_errors,
                                    sample_nme)
from ..functional.face_report import (save_ced_plot, save_per_landmark_csv,
                                      save_per_sample_csv)
from ..functional.face_subsets import SubsetIndex, subset_names_from_sample

NORM_MODES = ('inter_ocular', 'inter_pupil', 'bbox', 'bbox_sqrt', 'diagonal')


def _thr_name(thr: float) -> str:
    return f'{thr:g}'


@METRICS.register_module()
class FaceLandmarkMetric(BaseMetric):
    """NME, failure rate and CED AUC of face landmarks, optionally per subset.

    Every number is returned as a percentage: ``NME`` (mean over faces of the
    mean normalised point-to-point error of the visible landmarks),
    ``FR@<a>`` (share of faces with NME > a) and ``AUC@<a>`` (area under the
    cumulative error distribution on [0, a], divided by a), for each
    threshold a, plus the same keys suffixed ``/<subset>`` per subset. FR and
    AUC follow STAR/ADNet: the CED is sampled every ``step`` on [0, a] and
    integrated with the composite Simpson 1/3 rule (see
    :func:`popos.evaluation.functional.fr_auc`). Use
    ``save_best='NME', rule='less'`` in the CheckpointHook.

    Args:
        norm_mode (str, optional): ``'inter_ocular'`` (outer eye corners),
            ``'inter_pupil'`` (eye centres: pupil points where the markup has
            them, else the mean of each eye contour), ``'bbox'`` (max(w, h) of
            the face box, as mmpose's ``bbox_size``), ``'bbox_sqrt'``
            (sqrt(w * h), AFLW/ICPR style) or ``'diagonal'``. ``None`` picks
            the benchmark's protocol: ``'bbox'`` for AFLW, ``'inter_ocular'``
            otherwise.
        keypoint_indices (Sequence, optional): overrides the eye indices of
            ``dataset_meta['dataset_name']``: two ints (points) or two
            sequences of ints (groups averaged into one point each).
        box_source (str, optional): box used by the box modes: ``'bbox'``
            (the ground-truth ``bboxes`` of the data sample) or
            ``'landmarks'`` (tight box of the visible gt landmarks). Default:
            ``'landmarks'`` for ``'diagonal'``, ``'bbox'`` otherwise.
        thresholds (float | Sequence[float]): alphas for FR and AUC.
        step (float): CED grid spacing for AUC.
        average (str): ``'sample'`` (mean of per-face NMEs, as face-alignment
            papers) or ``'keypoint'`` (mean over all visible landmarks, as
            mmpose's ``NME``); equal when every landmark is visible.
        subsets (dict, optional): subset name -> COCO-style annotation file
            whose faces form the subset (e.g. WFLW's ``largepose`` file).
        subset_match (str): ``'file_name'`` or ``'id'``, see
            :class:`SubsetIndex`.
        subset_key (str, optional): metainfo key of a data sample (or of its
            ``raw_ann_info``) holding its subset name(s).
        out_dir (str, optional): write ``ced.png``, ``per_landmark_nme.csv``
            and ``per_sample_nme.csv`` here; ``'auto'`` = the directory of the
            current MMLogger log file (the run's work dir / timestamp).
        outfile_prefix (str, optional): alternatively, a path prefix: files
            ``<prefix>_ced.png`` etc.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): prefix of the result keys.
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 norm_mode: Optional[str] = None,
                 keypoint_indices: Optional[Sequence] = None,
                 box_source: Optional[str] = None,
                 thresholds: Union[float, Sequence[float]] = 0.1,
                 step: float = 1e-4,
                 average: str = 'sample',
                 subsets: Optional[Dict[str, str]] = None,
                 subset_match: str = 'file_name',
                 subset_key: Optional[str] = None,
                 out_dir: Optional[str] = None,
                 outfile_prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if norm_mode is not None and norm_mode not in NORM_MODES:
            raise ValueError(
                f'norm_mode must be one of {NORM_MODES}, got {norm_mode!r}')
        if box_source not in (None, 'bbox', 'landmarks'):
            raise ValueError("box_source must be 'bbox' or 'landmarks', got "
                             f'{box_source!r}')
        if average not in ('sample', 'keypoint'):
            raise ValueError(
                f"average must be 'sample' or 'keypoint', got {average!r}")
        if subset_match not in ('file_name', 'id'):
            raise ValueError("subset_match must be 'file_name' or 'id', got "
                             f'{subset_match!r}')
        if subsets is not None and not isinstance(subsets, dict):
            raise TypeError('subsets must be a dict name -> annotation file')
        self.thresholds = ([float(thresholds)] if np.isscalar(thresholds)
                           else [float(t) for t in thresholds])
        if not self.thresholds or min(self.thresholds) <= 0:
            raise ValueError(f'thresholds must be > 0, got {thresholds}')
        self.norm_mode = norm_mode
        self.keypoint_indices = (self._parse_indices(keypoint_indices)
                                 if keypoint_indices is not None else None)
        self.box_source = box_source
        self.step = step
        self.average = average
        self.subsets = dict(subsets or {})
        self.subset_match = subset_match
        self.subset_key = subset_key
        self.out_dir = out_dir
        self.outfile_prefix = outfile_prefix

    @staticmethod
    def _parse_indices(indices: Sequence) -> tuple:
        if len(indices) != 2:
            raise ValueError('keypoint_indices must hold two items (one per '
                             f'eye), got {indices!r}')
        groups = []
        for item in indices:
            group = (int(item), ) if np.isscalar(item) else tuple(
                int(i) for i in item)
            if not group:
                raise ValueError(f'empty keypoint group in {indices!r}')
            groups.append(group)
        return tuple(groups)

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """Store predictions (N, K, 2), gt, visibility and boxes per face."""
        for sample in data_samples:
            pred = np.asarray(sample['pred_instances']['keypoints'])
            gt_inst = sample['gt_instances']
            gt = np.asarray(gt_inst['keypoints'])
            if pred.ndim == 2:
                pred = pred[None]
            if gt.ndim == 2:
                gt = gt[None]
            if pred.shape[-1] != 2 or pred.shape != gt.shape:
                raise ValueError(
                    f'predicted keypoints {pred.shape} do not match the '
                    f'ground truth {gt.shape} of {sample.get("img_path")}')
            vis = gt_inst.get('keypoints_visible')
            vis = (np.ones(gt.shape[:2]) if vis is None else np.asarray(vis))
            mask = vis.reshape(gt.shape[:2]).astype(bool)
            bboxes = gt_inst.get('bboxes')
            if bboxes is not None:
                bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
            subsets = set()
            if self.subset_key:
                subsets.update(
                    subset_names_from_sample(sample, self.subset_key))
            for i in range(gt.shape[0]):
                self.results.append(
                    dict(
                        pred=pred[i].astype(np.float64),
                        gt=gt[i].astype(np.float64),
                        mask=mask[i],
                        bbox=None if bboxes is None else bboxes[i],
                        img_path=sample.get('img_path'),
                        img_id=sample.get('img_id'),
                        id=sample.get('id'),
                        subsets=sorted(subsets)))

    def _norm_factor(self, gt: np.ndarray, mask: np.ndarray,
                     bboxes: Optional[np.ndarray]) -> np.ndarray:
        """Per-face normaliser, shape (N,), from gt (N, K, 2)."""
        name = (self.dataset_meta or {}).get('dataset_name')
        mode = self.norm_mode or DEFAULT_NORM_MODE.get(name, 'inter_ocular')
        if mode in ('inter_ocular', 'inter_pupil'):
            groups = self.keypoint_indices
            if groups is None:
                if name not in DEFAULT_NORM_INDICES:
                    raise KeyError(
                        f'no default {mode} indices for dataset {name!r}; '
                        f'set keypoint_indices (known datasets: '
                        f'{sorted(DEFAULT_NORM_INDICES)})')
                idx = DEFAULT_NORM_INDICES[name][mode]
                groups = self._parse_indices(idx)
            return eye_distance(gt, *groups)
        source = self.box_source or ('landmarks'
                                     if mode == 'diagonal' else 'bbox')
        if source == 'bbox':
            if bboxes is None:
                raise ValueError(
                    f'norm_mode {mode!r} needs gt_instances.bboxes; use '
                    "box_source='landmarks' or a dataset that provides boxes")
            boxes = bboxes
        else:
            boxes = landmark_boxes(gt, mask)
        size_mode = {'bbox': 'max', 'bbox_sqrt': 'sqrt'}.get(mode, 'diagonal')
        return box_size(boxes, size_mode)

    def _subset_masks(self, results: List[dict]) -> Dict[str, np.ndarray]:
        masks: Dict[str, np.ndarray] = {}
        for name, ann_file in self.subsets.items():
            index = SubsetIndex(ann_file, match_by=self.subset_match)
            masks[name] = np.array([
                index.contains(r['img_path'], r['id'], r['gt'])
                for r in results
            ])
        names = sorted({n for r in results for n in r['subsets']})
        for name in names:
            member = np.array([name in r['subsets'] for r in results])
            masks[name] = masks[name] | member if name in masks else member
        return masks

    def _summary(self, nmes: np.ndarray, errors: np.ndarray,
                 mask: np.ndarray, suffix: str) -> Dict[str, float]:
        if self.average == 'sample':
            nme = float(nmes.mean())
        else:
            nme = float(errors[mask].sum() / max(1, mask.sum()))
        out = {f'NME{suffix}': 100 * nme}
        for thr in self.thresholds:
            fr, auc = fr_auc(nmes, thr, self.step)
            out[f'FR@{_thr_name(thr)}{suffix}'] = 100 * fr
            out[f'AUC@{_thr_name(thr)}{suffix}'] = 100 * auc
        return out

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute NME / FR / AUC (percentages) overall and per subset."""
        logger = MMLogger.get_current_instance()
        if not results:
            raise ValueError('FaceLandmarkMetric got no samples to evaluate')
        shapes = {r['gt'].shape for r in results}
        if len(shapes) != 1:
            raise ValueError(f'samples have different keypoint shapes: '
                             f'{sorted(shapes)}')
        pred = np.stack([r['pred'] for r in results])
        gt = np.stack([r['gt'] for r in results])
        mask = np.stack([r['mask'] for r in results])
        has_box = all(r['bbox'] is not None for r in results)
        bboxes = np.stack([r['bbox'] for r in results]) if has_box else None

        norm = self._norm_factor(gt, mask, bboxes)
        valid = (norm > 0) & mask.any(axis=1)
        if not valid.all():
            # mmpose's NME drops such faces too; say so instead of hiding it
            warnings.warn(f'{int((~valid).sum())} face(s) have a zero '
                          'normaliser or no visible landmark and are skipped')
        if not valid.any():
            raise ValueError('no face has a positive normaliser')
        safe_norm = np.where(valid, norm, 1.)
        errors = normalised_errors(pred, gt, safe_norm)
        nmes = sample_nme(errors, mask)
        emask = mask & valid[:, None]

        metrics = self._summary(nmes[valid], errors, emask, '')
        subset_masks = self._subset_masks(results)
        for name, member in subset_masks.items():
            sel = member & valid
            if not sel.any():
                warnings.warn(f'subset {name!r} matched no evaluated face')
                continue
            metrics.update(
                self._summary(nmes[sel], errors, emask & sel[:, None],
                              f'/{name}'))
        logger.info('FaceLandmarkMetric: ' + ', '.join(
            f'{k}={v:.4f}' for k, v in metrics.items()))
        self._write_reports(results, errors, emask, nmes, valid,
                            subset_masks)
        return metrics

    def _report_prefix(self) -> Optional[str]:
        if self.outfile_prefix:
            return self.outfile_prefix + '_'
        if not self.out_dir:
            return None
        out_dir = self.out_dir
        if out_dir == 'auto':
            log_file = getattr(MMLogger.get_current_instance(), 'log_file',
                               None)
            if not log_file:
                warnings.warn("out_dir='auto' but the logger has no log "
                              'file; no report written')
                return None
            out_dir = osp.dirname(log_file)
        return osp.join(out_dir, '')

    def _write_reports(self, results: List[dict], errors: np.ndarray,
                       emask: np.ndarray, nmes: np.ndarray,
                       valid: np.ndarray, subset_masks: Dict[str,
                                                             np.ndarray]):
        prefix = self._report_prefix()
        if prefix is None:
            return
        groups = {'all': valid}
        groups.update({n: m & valid for n, m in subset_masks.items()})
        groups = {n: m for n, m in groups.items() if m.any()}
        thr = max(self.thresholds)
        save_ced_plot(
            prefix + 'ced.png', {n: nmes[m]
                                 for n, m in groups.items()},
            thr,
            title=(self.dataset_meta or {}).get('dataset_name'))
        num_k = errors.shape[1]
        id2name = (self.dataset_meta or {}).get('keypoint_id2name', {})
        names = [id2name.get(k, f'kpt-{k}') for k in range(num_k)]
        columns = {}
        for n, m in groups.items():
            sel = emask & m[:, None]
            with np.errstate(invalid='ignore', divide='ignore'):
                total = np.where(sel, errors, 0.).sum(0)
                columns[n] = 100 * total / sel.sum(0)
        save_per_landmark_csv(prefix + 'per_landmark_nme.csv', names, columns)
        rows = [
            dict(
                img_path=r['img_path'],
                img_id=r['img_id'],
                id=r['id'],
                NME=f'{100 * nmes[i]:.4f}' if valid[i] else '',
                subsets=';'.join(n for n, m in subset_masks.items() if m[i]))
            for i, r in enumerate(results)
        ]
        save_per_sample_csv(prefix + 'per_sample_nme.csv', rows)
