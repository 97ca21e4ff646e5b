"""Heterogeneous (optical -> SAR) change detection with an optional optical t2 image."""
import os.path as osp

from cdkd.registry import DATASETS
from .bitemporal_dataset import BiTemporalCDDataset

OPTICAL_T2_KEY = 'img_path_to_optical'


@DATASETS.register_module()
class HeteroCDDataset(BiTemporalCDDataset):
    """Folders ``A`` (optical t1), ``B`` (SAR t2), ``C`` (optical t2) and ``Label`` (0/255); a
    label folder missing under its given name is looked up in the other case (``label``, as the
    official GOLD script writes it, for ``Label`` and back).

    ``img_paths`` is ``[A, B, C]``. The optical t2 image is there for training only (e.g. a teacher
    that sees two optical dates); at test time only A and B exist, so ``with_optical_t2=False``
    drops C (the folder need not exist then).
    """
    DEFAULT_PREFIX = dict(img_path_from='A', img_path_to='B', img_path_to_optical='C',
                          seg_map_path='Label')
    DEFAULT_LABEL_ENCODING = '0_255'

    def __init__(self, *args, with_optical_t2=True, data_prefix=None, **kwargs):
        self.with_optical_t2 = with_optical_t2
        prefix = dict(self.DEFAULT_PREFIX if data_prefix is None else data_prefix)
        if not with_optical_t2:
            prefix.pop(OPTICAL_T2_KEY, None)
        root = kwargs.get('data_root') or (args[0] if args else '')
        seg = prefix.get('seg_map_path')
        if seg and not osp.isdir(osp.join(root, seg)):
            head, name = osp.split(seg)
            other = {'Label': 'label', 'label': 'Label'}.get(name)
            if other and osp.isdir(osp.join(root, head, other)):
                prefix['seg_map_path'] = osp.join(head, other)
        super().__init__(*args, data_prefix=prefix, **kwargs)
