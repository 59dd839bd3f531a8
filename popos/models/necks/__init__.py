"""Necks: ``StridedConvNeck`` (full-resolution features to a small heatmap)."""
from .strided_conv_neck import StridedConvNeck

__all__ = ['StridedConvNeck']
