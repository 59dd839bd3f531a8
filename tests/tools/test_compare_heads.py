"""compare_heads.py: the DARK twin differs only in head/codec; the table's ratios are right."""
import importlib.util
import os.path as osp

import torch
from mmengine.config import Config
from mmpose.registry import MODELS

import popos  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'compare_heads', osp.join(ROOT, 'tools', 'analysis', 'compare_heads.py'))
compare_heads = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_heads)


def test_make_configs_pair_differs_only_in_head_and_codec(tmp_path):
    paths = compare_heads.make_configs(compare_heads.DEFAULT_CONFIG, 4, 'd/', 5, str(tmp_path), 0)
    popos_cfg, dark_cfg = Config.fromfile(paths['popos']), Config.fromfile(paths['dark'])
    for cfg in (popos_cfg, dark_cfg):
        assert cfg.train_cfg.max_epochs == 5 and cfg.train_dataloader.num_workers == 0
        assert cfg.test_dataloader.dataset.data_root == 'd/'
        assert cfg.codec['heatmap_size'] == (4, 4)
    assert dark_cfg.model.head.type == 'HeatmapHead'
    assert dark_cfg.model.head.decoder['type'] == 'MSRAHeatmap'
    assert dark_cfg.model.head.decoder['unbiased'] is True
    assert dark_cfg.model.backbone == popos_cfg.model.backbone
    encoder = [t for t in dark_cfg.train_dataloader.dataset.pipeline if t['type'] == 'GenerateTarget']
    assert encoder[0]['encoder']['type'] == 'MSRAHeatmap'
    for cfg in (popos_cfg, dark_cfg):
        cfg.model.backbone.init_cfg = None
        model = MODELS.build(cfg.model).eval()
        with torch.no_grad():
            out = model.head.forward(model.extract_feat(torch.zeros(1, 3, 128, 128)))
        assert tuple(out.shape) == (1, 98, 4, 4)


def test_markdown_ratios_and_reference_row():
    table = {32: dict(DARK=4.0), 8: dict(DARK=10.0, KeyPosS=7.0, POPoS=5.0)}
    md = compare_heads.to_markdown(table, [32, 8], ref=32)
    rows = [r.split('|')[1:-1] for r in md.strip().splitlines()[2:]]
    assert [c.strip() for c in rows[0]] == ['32×32', '4.00', '—', '—', '—', '—']
    assert [c.strip() for c in rows[1]] == ['8×8', '10.00', '7.00', '5.00', '0.50', '1.25']


def test_markdown_no_flip_table_uses_only_no_flip_columns():
    table = {8: {'DARK': 10.0, 'KeyPosS': 7.0, 'POPoS': 5.0, 'DARK no flip': 12.0,
                 'KeyPosS no flip': 9.0, 'POPoS no flip': 6.0}}
    rows = compare_heads.to_markdown(table, [8], 8, ' no flip').strip().splitlines()[2:]
    assert [c.strip() for c in rows[0].split('|')[1:-1]] == [
        '8×8', '12.00', '9.00', '6.00', '0.50', '0.50']


def test_plot_writes_png(tmp_path):
    table = {16: {'DARK': 4.0, 'DARK no flip': 4.5},
             8: {'DARK': 10.0, 'KeyPosS': 7.0, 'POPoS': 5.0, 'DARK no flip': 12.0,
                 'KeyPosS no flip': 9.0, 'POPoS no flip': 6.0}}
    compare_heads.plot(table, [16, 8], str(tmp_path / 'c.png'))
    assert (tmp_path / 'c.png').stat().st_size > 1000
