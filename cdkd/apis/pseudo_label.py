"""KD-MSI pseudo labels: ``argmax([threshold, M])`` of a change-probability map, as masks.

The official code gives a map only to training images whose image-level label is 1
(``multi_scale_sigmoid_inference.py:176-183``): every no-change image gets an all-background
pseudo label. :func:`gate_by_image_labels` does that here, before the threshold sweep.
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.utils import ProgressBar, mkdir_or_exist

from cdkd.evaluation.metrics.change_metric import sample_output_name
from cdkd.evaluation.threshold_sweep import (best_threshold, sweep_confusion, sweep_scores,
                                             threshold_grid)
from cdkd.models.utils import probability_from_seg_logits

# np.arange(0, 0.90, 0.05) of the official evaluate.py:16 (0.90 itself is excluded)
PSEUDO_LABEL_SWEEP = threshold_grid(0.0, 0.85)


def pseudo_label(prob: np.ndarray, threshold: float) -> np.ndarray:
    """``argmax([threshold, prob])`` as a 0/255 uint8 mask: change iff ``prob > threshold``
    (a tie goes to the background channel, which comes first)."""
    stacked = np.stack([np.full_like(prob, threshold), prob])
    return (np.argmax(stacked, axis=0) * 255).astype(np.uint8)


def collect_probabilities(model, dataloader, progress: bool = True) -> Dict[str, dict]:
    """Run ``model.test_step`` over the loader; per sample name the probability (float16) and the
    ground truth (uint8, ``None`` when the dataset has no masks)."""
    results = {}
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    model.eval()
    with torch.no_grad():
        for batch in dataloader:
            for sample in model.test_step(batch):
                prob = probability_from_seg_logits(sample.seg_logits.data).float().cpu()
                gt = sample.gt_sem_seg.data[0].to(torch.uint8).cpu().numpy() \
                    if 'gt_sem_seg' in sample else None
                results[sample_output_name(sample)] = dict(prob=prob.numpy().astype(np.float16),
                                                           gt=gt)
                if bar is not None:
                    bar.update()
    return results


def gate_by_image_labels(results: Dict[str, dict], image_label) -> Dict[str, dict]:
    """Multiply every map by its image-level label (0 -> an all-background pseudo label).

    ``image_label``: an ``ImageLevelChangeLabel`` (its ``label_of(name, mask)``: from the mask, by
    the training rule, or from its ``label_file``) or a ``{name: 0/1}`` dict. Each result gets
    ``image_label``; the maps are gated in place and ``results`` is returned.
    """
    for name, r in results.items():
        if isinstance(image_label, dict):
            if name not in image_label:
                raise KeyError(f'sample {name!r} has no image-level label')
            label = int(image_label[name])
        else:
            if r['gt'] is None and getattr(image_label, 'labels', None) is None:
                raise ValueError(f'sample {name!r} has no mask to derive its image-level label '
                                 'from; give an image-label list (--image-labels FILE)')
            label = image_label.label_of(name, r['gt'])
        r['image_label'] = label
        if not label:
            r['prob'] = np.zeros_like(r['prob'])
    return results


def sweep_pseudo_label_thresholds(results: Dict[str, dict],
                                  thresholds: Sequence[float] = PSEUDO_LABEL_SWEEP) -> dict:
    """Scores of the pseudo labels against the masks at every threshold (``ChangeMetric`` names)."""
    missing = [name for name, r in results.items() if r['gt'] is None]
    if missing:
        raise ValueError(f'cannot sweep thresholds: {len(missing)} samples have no mask '
                         f'(e.g. {missing[0]!r}); give --threshold instead')
    cms = sum(sweep_confusion(torch.from_numpy(r['prob'].astype(np.float32)),
                              torch.from_numpy(r['gt'].astype(np.int64)), thresholds)
              for r in results.values())
    return sweep_scores(cms, thresholds)


def write_pseudo_labels(results: Dict[str, dict], threshold: float, out_dir: str,
                        progress: bool = True) -> str:
    """Write ``out_dir/label/<name>.png`` (0/255) atomically; returns the label folder."""
    label_dir = osp.join(out_dir, 'label')
    mkdir_or_exist(label_dir)
    bar = ProgressBar(len(results)) if progress else None
    for name, r in results.items():
        path = osp.join(label_dir, f'{name}.png')
        tmp = osp.join(label_dir, f'.{name}.tmp.png')
        if not cv2.imwrite(tmp, pseudo_label(r['prob'].astype(np.float32), threshold)):
            raise OSError(f'could not write pseudo label {tmp}')
        os.replace(tmp, path)
        if bar is not None:
            bar.update()
    return label_dir


def write_report(out_dir: str, threshold: float, scores: Optional[dict], source: str,
                 keys: Iterable[str] = ('mIoU', 'IoU', 'OA', 'mF1', 'FP_union', 'FN_union')
                 ) -> None:
    """``pseudo_label_report.json`` and ``.md``: the chosen threshold and the sweep table."""
    keys = tuple(keys)
    report = dict(threshold=threshold, source=source,
                  sweep={f'{t:.2f}': s for t, s in (scores or {}).items()})
    lines = [f'# Pseudo labels\n\nsource: {source}\n\nthreshold: **{threshold:.2f}** '
             '(change iff M > threshold)\n']
    if scores:
        lines.append('| threshold | ' + ' | '.join(keys) + ' |')
        lines.append('|---' * (len(keys) + 1) + '|')
        for t, s in scores.items():
            mark = ' **<-**' if abs(t - threshold) < 1e-9 else ''
            lines.append(f'| {t:.2f}{mark} | ' + ' | '.join(f'{s[k]:.4f}' for k in keys) + ' |')
    for name, text in (('pseudo_label_report.json', json.dumps(report, indent=2)),
                       ('pseudo_label_report.md', '\n'.join(lines) + '\n')):
        tmp = osp.join(out_dir, f'.{name}.tmp')
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, osp.join(out_dir, name))


def choose_threshold(scores: dict, key: str = 'mIoU') -> float:
    return best_threshold(scores, key)
