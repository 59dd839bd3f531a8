# 51-point face markup: the iBUG 68-point markup without the 17 jaw points
# (0..16), reindexed so that old index i becomes i - 17. Used by the ICME 2024
# low-power facial-landmark challenge (ivslab). Flip pairs are mmpose's 300W
# pairs reindexed; sigmas are COCO-WholeBody-Face's sigmas[17:] (same markup).
dataset_info = dict(
    dataset_name='face51',
    paper_info=dict(
        author='Sagonas, Christos and Antonakos, Epameinondas '
        'and Tzimiropoulos, Georgios and Zafeiriou, Stefanos '
        'and Pantic, Maja',
        title='300 faces in-the-wild challenge: Database and results '
        '(68-point markup without the jaw line)',
        container='Image and vision computing',
        year='2016',
        homepage='https://ibug.doc.ic.ac.uk/resources/300-W/',
    ),
    keypoint_info={
        0:
        dict(name='kpt-0', id=0, color=[255, 0, 0], type='', swap='kpt-9'),
        1:
        dict(name='kpt-1', id=1, color=[255, 0, 0], type='', swap='kpt-8'),
        2:
        dict(name='kpt-2', id=2, color=[255, 0, 0], type='', swap='kpt-7'),
        3:
        dict(name='kpt-3', id=3, color=[255, 0, 0], type='', swap='kpt-6'),
        4:
        dict(name='kpt-4', id=4, color=[255, 0, 0], type='', swap='kpt-5'),
        5:
        dict(name='kpt-5', id=5, color=[255, 0, 0], type='', swap='kpt-4'),
        6:
        dict(name='kpt-6', id=6, color=[255, 0, 0], type='', swap='kpt-3'),
        7:
        dict(name='kpt-7', id=7, color=[255, 0, 0], type='', swap='kpt-2'),
        8:
        dict(name='kpt-8', id=8, color=[255, 0, 0], type='', swap='kpt-1'),
        9:
        dict(name='kpt-9', id=9, color=[255, 0, 0], type='', swap='kpt-0'),
        10:
        dict(name='kpt-10', id=10, color=[255, 0, 0], type='', swap=''),
        11:
        dict(name='kpt-11', id=11, color=[255, 0, 0], type='', swap=''),
        12:
        dict(name='kpt-12', id=12, color=[255, 0, 0], type='', swap=''),
        13:
        dict(name='kpt-13', id=13, color=[255, 0, 0], type='', swap=''),
        14:
        dict(name='kpt-14', id=14, color=[255, 0, 0], type='', swap='kpt-18'),
        15:
        dict(name='kpt-15', id=15, color=[255, 0, 0], type='', swap='kpt-17'),
        16:
        dict(name='kpt-16', id=16, color=[255, 0, 0], type='', swap=''),
        17:
        dict(name='kpt-17', id=17, color=[255, 0, 0], type='', swap='kpt-15'),
        18:
        dict(name='kpt-18', id=18, color=[255, 0, 0], type='', swap='kpt-14'),
        19:
        dict(name='kpt-19', id=19, color=[255, 0, 0], type='', swap='kpt-28'),
        20:
        dict(name='kpt-20', id=20, color=[255, 0, 0], type='', swap='kpt-27'),
        21:
        dict(name='kpt-21', id=21, color=[255, 0, 0], type='', swap='kpt-26'),
        22:
        dict(name='kpt-22', id=22, color=[255, 0, 0], type='', swap='kpt-25'),
        23:
        dict(name='kpt-23', id=23, color=[255, 0, 0], type='', swap='kpt-30'),
        24:
        dict(name='kpt-24', id=24, color=[255, 0, 0], type='', swap='kpt-29'),
        25:
        dict(name='kpt-25', id=25, color=[255, 0, 0], type='', swap='kpt-22'),
        26:
        dict(name='kpt-26', id=26, color=[255, 0, 0], type='', swap='kpt-21'),
        27:
        dict(name='kpt-27', id=27, color=[255, 0, 0], type='', swap='kpt-20'),
        28:
        dict(name='kpt-28', id=28, color=[255, 0, 0], type='', swap='kpt-19'),
        29:
        dict(name='kpt-29', id=29, color=[255, 0, 0], type='', swap='kpt-24'),
        30:
        dict(name='kpt-30', id=30, color=[255, 0, 0], type='', swap='kpt-23'),
        31:
        dict(name='kpt-31', id=31, color=[255, 0, 0], type='', swap='kpt-37'),
        32:
        dict(name='kpt-32', id=32, color=[255, 0, 0], type='', swap='kpt-36'),
        33:
        dict(name='kpt-33', id=33, color=[255, 0, 0], type='', swap='kpt-35'),
        34:
        dict(name='kpt-34', id=34, color=[255, 0, 0], type='', swap=''),
        35:
        dict(name='kpt-35', id=35, color=[255, 0, 0], type='', swap='kpt-33'),
        36:
        dict(name='kpt-36', id=36, color=[255, 0, 0], type='', swap='kpt-32'),
        37:
        dict(name='kpt-37', id=37, color=[255, 0, 0], type='', swap='kpt-31'),
        38:
        dict(name='kpt-38', id=38, color=[255, 0, 0], type='', swap='kpt-42'),
        39:
        dict(name='kpt-39', id=39, color=[255, 0, 0], type='', swap='kpt-41'),
        40:
        dict(name='kpt-40', id=40, color=[255, 0, 0], type='', swap=''),
        41:
        dict(name='kpt-41', id=41, color=[255, 0, 0], type='', swap='kpt-39'),
        42:
        dict(name='kpt-42', id=42, color=[255, 0, 0], type='', swap='kpt-38'),
        43:
        dict(name='kpt-43', id=43, color=[255, 0, 0], type='', swap='kpt-47'),
        44:
        dict(name='kpt-44', id=44, color=[255, 0, 0], type='', swap='kpt-46'),
        45:
        dict(name='kpt-45', id=45, color=[255, 0, 0], type='', swap=''),
        46:
        dict(name='kpt-46', id=46, color=[255, 0, 0], type='', swap='kpt-44'),
        47:
        dict(name='kpt-47', id=47, color=[255, 0, 0], type='', swap='kpt-43'),
        48:
        dict(name='kpt-48', id=48, color=[255, 0, 0], type='', swap='kpt-50'),
        49:
        dict(name='kpt-49', id=49, color=[255, 0, 0], type='', swap=''),
        50:
        dict(name='kpt-50', id=50, color=[255, 0, 0], type='', swap='kpt-48'),
    },
    skeleton_info={},
    joint_weights=[1.] * 51,
    sigmas=[
        0.013, 0.012, 0.011, 0.011, 0.012, 0.012, 0.011, 0.011, 0.013, 0.015,
        0.009, 0.007, 0.007, 0.007, 0.012, 0.009, 0.008, 0.016, 0.01, 0.017,
        0.011, 0.009, 0.011, 0.009, 0.007, 0.013, 0.008, 0.011, 0.012, 0.01,
        0.034, 0.008, 0.008, 0.009, 0.008, 0.008, 0.007, 0.01, 0.008, 0.009,
        0.009, 0.009, 0.007, 0.007, 0.008, 0.011, 0.008, 0.008, 0.008, 0.01,
        0.008
    ])
