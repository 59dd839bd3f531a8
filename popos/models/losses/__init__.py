"""Losses."""
from .multilateration_anchor_loss import MultilaterationAnchorLoss, anchor_mask

__all__ = ['MultilaterationAnchorLoss', 'anchor_mask']
