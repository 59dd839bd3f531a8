"""Refuse to run against OpenMMLab versions popos was not built for, with a clear message."""
from mmengine.utils import digit_version

# (package, minimum inclusive, maximum exclusive)
REQUIRED = (
    ('mmcv', '2.0.1', '2.2.0'),
    ('mmengine', '0.10.0', '1.0.0'),
    ('mmpose', '1.3.0', '1.4.0'),
)


def check_dependencies() -> None:
    """Raise an ImportError that says the fix when mmcv/mmengine/mmpose are out of range."""
    import importlib
    for name, low, high in REQUIRED:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(
                f'popos needs {name}>={low},<{high}, which is not installed: run '
                '`make install` (see docs/get_started.md)') from exc
        version = digit_version(module.__version__)
        if not digit_version(low) <= version < digit_version(high):
            raise ImportError(
                f'{name}=={module.__version__} is installed but popos needs {name}>={low},<{high}: '
                f'`pip install "{name}>={low},<{high}"` (`make install` pins the whole stack)')
