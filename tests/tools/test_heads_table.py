"""heads_table's markdown: ratios against DARK at the same size and at the largest DARK size."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from tools.analysis.heads_table import compact_markdown, markdown  # noqa: E402


def metrics(nme):
    return {'NME': nme, 'FR@0.1': 1.0, 'AUC@0.1': 50.0}


def test_tables_report_ratios_to_dark_at_the_same_and_the_largest_size():
    cost = {'params_m': 1.96, 'gflops': 0.086, 'ms': 9.5}
    rows = {32: {'DARK': metrics(4.0), 'DARK no flip': metrics(4.2), 'dark cost': cost},
            8: {'DARK': metrics(10.0), 'DARK no flip': metrics(10.5), 'POPoS': metrics(6.0),
                'POPoS no flip': metrics(6.2), 'KeyPosS': metrics(6.5),
                'KeyPosS no flip': metrics(6.6), 'popos cost': cost}}
    compact = compact_markdown(rows).splitlines()
    assert compact[0].count('|') == 10 and 'DARK 32×32' in compact[0]
    assert compact[2].startswith('| 32×32 | 4.00 | — | — | — | — |')
    assert '| 8×8 | 10.00 | 6.50 | 6.00 | 0.60 | 1.50 | 1.96 | 0.086 | 9.5 |' in compact[3]
    full = markdown(rows)
    assert '| 8×8 | POPoS | 6.00 | 1.0 | 50.0 | 6.20 | 1.96 | 0.086 | 9.5 |' in full
    assert '| 8×8 | KeyPosS | 6.50 | 1.0 | 50.0 | 6.60 | 1.96 | 0.086 | — |' in full
