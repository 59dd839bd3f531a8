"""Evaluation: importing this package registers popos' metrics."""
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
