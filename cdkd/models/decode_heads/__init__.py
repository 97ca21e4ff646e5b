from .plain_aspp_plus_head import PlainASPPPlusHead

__all__ = ['PlainASPPPlusHead']
