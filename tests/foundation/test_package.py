"""The package imports, registers into mmpose's own registries, and checks versions."""
import subprocess
import sys
import textwrap

import pytest


def test_version_and_registration():
    import popos
    from mmpose.registry import KEYPOINT_CODECS
    assert isinstance(popos.__version__, str) and popos.__version__.count('.') == 2
    # Registered in mmpose's own registry, not a child registry.
    assert KEYPOINT_CODECS.get('POPoSHeatmap') is popos.codecs.POPoSHeatmap


def test_custom_imports_registers_in_fresh_interpreter(tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("custom_imports = dict(imports=['popos'], allow_failed_imports=False)\n"
                   "codec = dict(type='POPoSHeatmap', input_size=(64, 64), heatmap_size=(8, 8))\n")
    code = textwrap.dedent(f"""
        import importlib
        from mmengine import Config
        from mmpose.registry import KEYPOINT_CODECS
        assert 'POPoSHeatmap' not in KEYPOINT_CODECS.module_dict
        cfg = Config.fromfile({str(cfg)!r})
        assert 'POPoSHeatmap' in KEYPOINT_CODECS.module_dict
        from mmpose.registry import DATASETS, METRICS, MODELS
        for name in ('POPoSHead', 'LowResHRNet', 'MultilaterationAnchorLoss', 'HeatmapDistiller',
                     'PrunedTopdownPoseEstimator', 'TruncatedBackbone'):
            assert name in MODELS.module_dict, name
        # the names configs used before the rename build the same classes
        assert MODELS.get('POPoSHRNet') is MODELS.get('LowResHRNet')
        assert MODELS.get('POPoSTruncatedBackbone') is MODELS.get('TruncatedBackbone')
        import popos.embedded                   # old custom_imports entry still loads
        assert popos.embedded.POPoSTruncatedBackbone is MODELS.get('TruncatedBackbone')
        assert 'FaceLandmarkMetric' in METRICS.module_dict
        assert 'Face51Dataset' in DATASETS.module_dict
        Config.fromfile({str(cfg)!r})          # a second config load must not re-register
        import popos
        importlib.reload(popos)                 # nor an explicit reload
        codec = KEYPOINT_CODECS.build(cfg.codec)
        print(type(codec).__name__)
    """)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith('POPoSHeatmap')


def test_version_check_message(monkeypatch):
    import mmpose
    from popos.utils import check_dependencies
    monkeypatch.setattr(mmpose, '__version__', '1.0.0')
    with pytest.raises(ImportError, match=r'mmpose==1.0.0 is installed but popos needs'):
        check_dependencies()
