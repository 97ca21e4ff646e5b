from .bitemporal_dataset import BiTemporalCDDataset
from .hetero_dataset import HeteroCDDataset
from .image_label_list import load_image_label_list
from .public_datasets import DSIFNCDDataset, LEVIRCDDataset, SYSUCDDataset, WHUCDDataset
from .synthetic import generate_sample, generate_synthetic_cd
from .synthetic_dataset import SyntheticCDDataset, ensure_synthetic_cd
from .transforms import *  # noqa: F401,F403

__all__ = [
    'load_image_label_list',
    'BiTemporalCDDataset', 'LEVIRCDDataset', 'WHUCDDataset', 'SYSUCDDataset', 'DSIFNCDDataset',
    'HeteroCDDataset', 'SyntheticCDDataset', 'ensure_synthetic_cd', 'generate_sample',
    'generate_synthetic_cd'
]
