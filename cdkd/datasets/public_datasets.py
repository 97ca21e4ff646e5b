"""Public optical change-detection datasets: their folder names, suffixes and mask encodings.

All are ``BiTemporalCDDataset`` with different defaults; every default can still be overridden
(e.g. ``seg_map_suffix='.tif'`` for DSIFN-CD's test masks).
"""
from cdkd.registry import DATASETS
from .bitemporal_dataset import BiTemporalCDDataset


@DATASETS.register_module()
class LEVIRCDDataset(BiTemporalCDDataset):
    """LEVIR-CD (Chen & Shi 2020): ``{A, B, label}/*.png``, masks 0/255."""
    DEFAULT_PREFIX = dict(img_path_from='A', img_path_to='B', seg_map_path='label')
    DEFAULT_LABEL_ENCODING = '0_255'


@DATASETS.register_module()
class WHUCDDataset(BiTemporalCDDataset):
    """WHU Building CD: ``{A, B, label}/*.png``; distributions store masks as 0/255 or 0/1, so the
    encoding is detected per mask ('auto')."""
    DEFAULT_PREFIX = dict(img_path_from='A', img_path_to='B', seg_map_path='label')
    DEFAULT_LABEL_ENCODING = 'auto'


@DATASETS.register_module()
class SYSUCDDataset(BiTemporalCDDataset):
    """SYSU-CD (Shi et al. 2021): ``{time1, time2, label}/*.png``, masks 0/255."""
    DEFAULT_PREFIX = dict(img_path_from='time1', img_path_to='time2', seg_map_path='label')
    DEFAULT_LABEL_ENCODING = '0_255'


@DATASETS.register_module()
class DSIFNCDDataset(BiTemporalCDDataset):
    """DSIFN-CD (Zhang et al. 2020): ``{t1, t2}/*.jpg`` images and ``mask/*.png`` masks (0/255).

    The original release stores the test masks as ``.tif``: pass ``seg_map_suffix='.tif'``.
    """
    DEFAULT_PREFIX = dict(img_path_from='t1', img_path_to='t2', seg_map_path='mask')
    DEFAULT_IMG_SUFFIX = '.jpg'
    DEFAULT_SEG_MAP_SUFFIX = '.png'
    DEFAULT_LABEL_ENCODING = '0_255'
