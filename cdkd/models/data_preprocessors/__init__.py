from .change_data_preprocessor import ChangeDataPreProcessor
from .hetero_data_preprocessor import HeteroChangeDataPreProcessor

__all__ = ['ChangeDataPreProcessor', 'HeteroChangeDataPreProcessor']
