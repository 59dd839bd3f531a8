# Two commands do all the set-up on a fresh machine (see README.md):
#   make demo   install into .venv, then run the offline main job
#   make test   install into .venv, then run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install demo test clean-venv

install:
	VENV=$(VENV) bash tools/install.sh

demo: install
	VENV=$(VENV) bash tools/demo.sh

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
