from .change_data_preprocessor import ChangeDataPreProcessor

__all__ = ['ChangeDataPreProcessor']
