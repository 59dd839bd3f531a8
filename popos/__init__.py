"""popos: POPoS facial-landmark decoding, registered into mmpose's own registries.

``custom_imports = dict(imports=['popos'], allow_failed_imports=False)`` in any mmpose
config registers every popos codec, model, metric, dataset and transform.
"""
from .version import __version__
from .utils.version_check import check_dependencies

check_dependencies()

from .utils.checkpoint import allow_mmengine_checkpoints  # noqa: E402

# Additive only: torch's weights_only allow-list gains the types mmengine checkpoints hold.
allow_mmengine_checkpoints()

from . import codecs, datasets, embedded, evaluation, models, visualization  # noqa: E402,F401

__all__ = ['__version__', 'codecs', 'datasets', 'embedded', 'evaluation', 'models',
           'visualization']
