"""popos: POPoS facial-landmark decoding, registered into mmpose's own registries.

``custom_imports = dict(imports=['popos'], allow_failed_imports=False)`` in any mmpose
config registers every popos codec, model, metric, dataset and transform.
"""
from .version import __version__
from .utils.version_check import check_dependencies

check_dependencies()

from .utils.checkpoint import install_safe_loading  # noqa: E402

install_safe_loading()

from . import codecs, datasets, embedded, evaluation, models  # noqa: E402,F401

__all__ = ['__version__', 'codecs', 'datasets', 'embedded', 'evaluation', 'models']
