# Pick the Python interpreter for the launch scripts: $PYTHON, else an active venv or conda env,
# else the repository's .venv (made by `make install`), else python3.
if [ -z "${PYTHON:-}" ]; then
  _ROOT="$(cd "$(dirname "$0")/.." && pwd)"
  if [ -n "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ]; then
    PYTHON=python
  elif [ -x "$_ROOT/.venv/bin/python" ]; then
    PYTHON="$_ROOT/.venv/bin/python"
  else
    PYTHON=python3
  fi
fi
