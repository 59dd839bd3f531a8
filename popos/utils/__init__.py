"""Utilities: version check, safe checkpoint loading, heatmap-resolution switch, shipped files."""
from .checkpoint import (CheckpointMismatchError, HeatmapSizeMismatchError, UnsafeCheckpointError,
                         allow_checkpoint_types, allow_mmengine_checkpoints,
                         check_checkpoint_fits, install_safe_loading, mmengine_safe_globals,
                         safe_loading, safe_torch_load)
from .paths import get_config, mim_path
from .resolution import config_heatmap_size, set_heatmap_size
from .version_check import check_dependencies

__all__ = [
    'CheckpointMismatchError', 'HeatmapSizeMismatchError', 'UnsafeCheckpointError',
    'allow_checkpoint_types', 'allow_mmengine_checkpoints', 'check_checkpoint_fits',
    'install_safe_loading', 'mmengine_safe_globals', 'safe_loading', 'safe_torch_load',
    'check_dependencies', 'config_heatmap_size', 'set_heatmap_size', 'get_config', 'mim_path'
]
