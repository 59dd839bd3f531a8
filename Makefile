# Two commands do all the set-up on a fresh machine (see README.md):
#   make demo   install into .venv, then run the offline main job
#   make test   install into .venv, then run the whole test suite
#   make lint   the code style check (ruff.toml), also run by CI
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install demo lint test clean-venv

install:
	VENV=$(VENV) bash tools/install.sh

demo: install
	VENV=$(VENV) bash tools/demo.sh

lint: install
	$(PY) -m ruff check .

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
