"""Packing of a bi-temporal sample into model inputs (see docs/design.md)."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.registry import TRANSFORMS

DEFAULT_META_KEYS = ('img_paths', 'seg_map_path', 'sample_name', 'ori_shape', 'img_shape',
                     'pad_shape', 'scale_factor', 'flip', 'flip_direction', 'num_bands')


@TRANSFORMS.register_module()
class PackChangeInputs(BaseTransform):
    """Stack the dates along channels and wrap the labels in a ``SegDataSample``.

    Produces ``inputs``: Tensor (sum C_i, H, W), uint8 if every date is uint8, else float32, and
    ``data_samples`` with ``gt_sem_seg`` (PixelData, 1 x H x W, long) when ``gt_seg_map`` exists,
    ``gt_image_label`` (tensor) when ``results['gt_image_label']`` exists, and the ``meta_keys``
    present in ``results`` as metainfo. A student view (``results['student_imgs']``, written by
    the ``Student*`` perturbations) is stacked the same way into ``data_sample.student_inputs``.
    """

    def __init__(self, meta_keys=DEFAULT_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    @staticmethod
    def stack(imgs):
        """The dates of one view stacked along channels as a ``C x H x W`` tensor."""
        imgs = [img[..., None] if img.ndim == 2 else img for img in imgs]
        if len({img.shape[:2] for img in imgs}) != 1:
            raise ValueError(f'dates differ in size: {[img.shape for img in imgs]}')
        dtype = np.uint8 if all(img.dtype == np.uint8 for img in imgs) else np.float32
        stacked = np.concatenate([img.astype(dtype, copy=False) for img in imgs], axis=2)
        return torch.from_numpy(np.ascontiguousarray(stacked.transpose(2, 0, 1)))

    def transform(self, results):
        inputs = self.stack(results['imgs'])
        data_sample = SegDataSample()
        if 'student_imgs' in results:
            student = self.stack(results['student_imgs'])
            if student.shape != inputs.shape or student.dtype != inputs.dtype:
                raise ValueError(
                    f'student view {tuple(student.shape)} {student.dtype} does not match the '
                    f'teacher view {tuple(inputs.shape)} {inputs.dtype}; put the Student* '
                    'perturbations after every geometric transform')
            data_sample.student_inputs = student
        if 'gt_seg_map' in results:
            seg = np.ascontiguousarray(results['gt_seg_map'][None].astype(np.int64))
            data_sample.gt_sem_seg = PixelData(data=torch.from_numpy(seg))
        if 'gt_image_label' in results:
            data_sample.gt_image_label = torch.as_tensor(np.asarray(results['gt_image_label']))
        data_sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self):
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
