"""Utilities: version check, safe checkpoint loading."""
from .checkpoint import (UnsafeCheckpointError, allow_checkpoint_types, install_safe_loading,
                         mmengine_safe_globals, safe_torch_load)
from .version_check import check_dependencies

__all__ = [
    'UnsafeCheckpointError', 'allow_checkpoint_types', 'install_safe_loading',
    'mmengine_safe_globals', 'safe_torch_load', 'check_dependencies'
]
