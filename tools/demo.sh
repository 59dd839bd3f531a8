#!/usr/bin/env bash
# The offline main job (`make demo`): synthetic WFLW-layout faces -> train -> test -> draw.
#   generate  tools/dataset_converters/make_synthetic_faces.py (skipped if the data exists)
#   train     stock tools/train.py on the config below (mmengine progress and logs)
#   test      tools/test.py at the trained resolution: NME / FR / AUC, CED plot, per-landmark table
#   baseline  the mean-shape predictor on the same split, for comparison
#   draw      predicted (red) vs ground-truth (green) landmarks on test faces, one PNG
# Everything lands in work_dirs/demo/. Override with CONFIG=..., DATA=..., WORK=..., NUM_TRAIN=...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-$VENV/bin/python}"
CONFIG="${CONFIG:-configs/synthetic/td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py}"
DATA="${DATA:-data/synthetic_wflw}"
WORK="${WORK:-work_dirs/demo}"
NUM_TRAIN="${NUM_TRAIN:-2000}"
NUM_TEST="${NUM_TEST:-250}"
EXTRA_ARGS=("$@")
# One core is busy loading data; more torch threads than free cores makes every OpenMP
# barrier wait for a descheduled thread (measured: 10x slower per iteration on 2 cores).
THREADS=$(( $(nproc) > 2 ? $(nproc) - 1 : 1 ))
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$THREADS}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-$THREADS}"
start=$(date +%s)

if [ ! -f "$DATA/annotations/face_landmarks_wflw_test.json" ]; then
  # an interrupted generation leaves a partial folder, which the generator refuses to reuse;
  # only the demo's own default folder is removed for the user
  if [ -d "$DATA" ] && [ "$DATA" = "data/synthetic_wflw" ]; then rm -rf "$DATA"; fi
  "$PY" tools/dataset_converters/make_synthetic_faces.py --layout wflw --num-train "$NUM_TRAIN" \
      --num-test "$NUM_TEST" --image-size 256 --seed 0 --out "$DATA"
fi

"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --cfg-options "train_dataloader.dataset.data_root=$DATA/" \
    "val_dataloader.dataset.data_root=$DATA/" "test_dataloader.dataset.data_root=$DATA/" "${EXTRA_ARGS[@]}"
CKPT="$(ls -t "$WORK"/best_NME_*.pth 2>/dev/null | head -n 1)"
[ -n "$CKPT" ] || CKPT="$WORK/$(cat "$WORK/last_checkpoint" | xargs basename)"

mkdir -p "$WORK/test"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test" --out "$WORK/test/metrics.json" \
    --dump "$WORK/test/predictions.pkl" --cfg-options "test_dataloader.dataset.data_root=$DATA/" \
    "test_evaluator.out_dir=$WORK/test"
"$PY" tools/analysis/mean_shape_baseline.py "$CONFIG" --out "$WORK/test/mean_shape.json" \
    --cfg-options "train_dataloader.dataset.data_root=$DATA/" "test_dataloader.dataset.data_root=$DATA/"
"$PY" tools/analysis/draw_predictions.py "$WORK/test/predictions.pkl" --out "$WORK/test/predictions.png"

"$PY" - "$WORK/test/metrics.json" "$WORK/test/mean_shape.json" "$(( $(date +%s) - start ))" <<'PYEOF'
import json, sys
model, mean = (json.load(open(p)) for p in sys.argv[1:3])
nme = {k.split('/')[-1]: v for k, v in model.items()}
print('\n==== popos demo (synthetic WFLW-layout faces, not WFLW) ====')
print(f"POPoS model     NME {nme['NME']:.2f}%  FR@0.1 {nme['FR@0.1']:.2f}%  AUC@0.1 {nme['AUC@0.1']:.2f}")
print(f"mean shape      NME {mean['NME']:.2f}%  FR@0.1 {mean['FR@0.1']:.2f}%  AUC@0.1 {mean['AUC@0.1']:.2f}")
print(f"ratio model / mean shape: {nme['NME'] / mean['NME']:.2f}   wall time {int(sys.argv[3])} s")
PYEOF
echo "CED plot, per-landmark table, predictions.png: $WORK/test/"

# A real photo through the shipped real-face model (public-domain NASA portrait that
# scikit-image ships offline): detector -> crop -> network -> POPoS decode, drawn.
"$PY" - "$WORK/astronaut" <<'PYEOF'
import os, sys, cv2
from skimage import data
from popos.apis import DlibFaceDetector, FaceLandmarker
from popos.apis.drawing import draw_faces
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
# dlib's default threshold (0) also boxes the mission patch (score 0.12); the face scores 1.16
faces = FaceLandmarker('default', detector=DlibFaceDetector(score_thr=0.3))(img)
path = os.path.join(out, 'astronaut_landmarks.jpg')
cv2.imwrite(path, draw_faces(img, faces))
scores = ', '.join(f"{f['bbox_score']:.2f}" for f in faces)
print(f'real photo (scikit-image astronaut): {len(faces)} face box(es), dlib scores {scores}; '
      f'shipped default model -> {path}')
PYEOF
