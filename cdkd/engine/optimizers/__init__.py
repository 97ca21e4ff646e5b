from .backbone_head_constructor import BackboneHeadParamGroupsConstructor

__all__ = ['BackboneHeadParamGroupsConstructor']
