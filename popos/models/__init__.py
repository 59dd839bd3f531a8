"""Backbones, heads, losses, distillers and pose estimators registered into
``mmpose.registry.MODELS``."""
from .backbones import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pose_estimators import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
