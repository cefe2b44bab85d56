# Every target sets up .venv first when it is missing or requirements changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
LAB_ARGS ?=
PYTEST_ARGS ?=
NOTEBOOK_DIRS := notebooks labs solutions

.PHONY: lab test check labs bench clean distclean venv

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# Jupyter refuses to start as root unless told to; containers and CI machines often run as root.
ROOT_ARGS := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

## lab: start JupyterLab on the welcome notebook (LAB_ARGS=--no-browser for a headless server)
# root_dir=. keeps labs/ and solutions/ in the file browser (given a file, Jupyter roots at its folder).
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00-welcome.ipynb --ServerApp.root_dir=. $(ROOT_ARGS) $(LAB_ARGS)

## test: unit, functional and notebook tests, in parallel
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadscope --nbval-lax --nbval-current-env $(PYTEST_ARGS) tests $(NOTEBOOK_DIRS)

## check: notebooks are clean and labs match their solutions
check: $(STAMP)
	$(BIN)/python -m workbook clean --check $(NOTEBOOK_DIRS)
	$(BIN)/python -m workbook labs --check

## labs: regenerate labs/ from solutions/
labs: $(STAMP)
	$(BIN)/python -m workbook labs

## bench: measure the local Lambda runtime (results also in benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## clean: strip outputs and widget state from every notebook
clean: $(STAMP)
	$(BIN)/python -m workbook clean $(NOTEBOOK_DIRS)

## distclean: remove the virtual environment and caches
distclean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
