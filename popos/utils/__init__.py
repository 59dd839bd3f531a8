"""Utilities: version check, safe checkpoint loading, heatmap-resolution switch, shipped files."""
from .checkpoint import (UnsafeCheckpointError, allow_checkpoint_types, allow_mmengine_checkpoints,
                         install_safe_loading, mmengine_safe_globals, safe_loading,
                         safe_torch_load)
from .paths import get_config, mim_path
from .resolution import config_heatmap_size, set_heatmap_size
from .version_check import check_dependencies

__all__ = [
    'UnsafeCheckpointError', 'allow_checkpoint_types', 'allow_mmengine_checkpoints',
    'install_safe_loading', 'mmengine_safe_globals', 'safe_loading', 'safe_torch_load',
    'check_dependencies', 'config_heatmap_size', 'set_heatmap_size', 'get_config', 'mim_path'
]
