# Every target sets up .venv first when it is missing or requirements changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
LAB_ARGS ?=
LAB_ROOT ?= .
PYTEST_ARGS ?=
E2E_ARGS ?=
NOTEBOOK_DIRS := notebooks labs solutions
# The browser test's own environment (Playwright), apart from the learners' .venv.
E2E_VENV  := .venv-e2e
E2E_STAMP := $(E2E_VENV)/.requirements-installed

.PHONY: lab test e2e check labs bench clean distclean venv

# Python's bytecode cache stays on even where the machine turns it off (PYTHONDONTWRITEBYTECODE, common in
# containers): without it every kernel and test worker compiles the workbook again, and pytest rewrites
# every test module in each of its workers.
unexport PYTHONDONTWRITEBYTECODE

venv: $(STAMP)

# PYTHONWARNINGS: pip shows setuptools' note on the editable install of the workbook itself as a warning box.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# Jupyter refuses to start as root unless told to; containers and CI machines often run as root.
ROOT_ARGS := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# Rooted at the repository (LAB_ROOT), so labs/ and solutions/ are in the file browser; the URL printed and opened
# is the welcome notebook's; kernels talk to the server over local sockets (ipc), not TCP, which also spares
# learners ipykernel's warning about unencrypted TCP.
LAB_SETTINGS := --ServerApp.root_dir=$(LAB_ROOT) --LabApp.default_url=/lab/tree/notebooks/00-welcome.ipynb \
	--KernelManager.transport=ipc

## lab: start JupyterLab on the welcome notebook (LAB_ARGS=--no-browser for a headless server)
lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_SETTINGS) $(ROOT_ARGS) $(LAB_ARGS)

## test: unit, functional and notebook tests, in parallel
# nbval runs the lessons. Labs and solutions run once each, in tests/functional/test_grade_cli.py, which grades
# every one of them and fails on any cell error as nbval would (a lab must score 0, its solution 100 %).
NBVAL_DIRS := notebooks
# Two test workers per CPU: much of a test's time is spent waiting (kernels, handlers sleeping, scaled retries).
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(2 * (os.cpu_count() or 1))")
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --nbval-lax --nbval-current-env $(PYTEST_ARGS) tests $(NBVAL_DIRS)

$(E2E_STAMP): requirements-e2e.txt
	@test -x $(E2E_VENV)/bin/python || $(PYTHON) -m venv $(E2E_VENV)
	$(E2E_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-e2e.txt
	@touch $(E2E_STAMP)

## e2e: every lesson and lab run in JupyterLab in headless Chromium (screenshots in e2e-screenshots/)
# tests/e2e/chromium.sh finds Chromium, or installs it (root with apt-get), or explains and exits 3: skip.
e2e: $(STAMP) $(E2E_STAMP)
	@chromium="$$(tests/e2e/chromium.sh)" || { [ $$? = 3 ] && exit 0; exit 1; }; \
	CHROMIUM="$$chromium" $(E2E_VENV)/bin/python -m pytest -p no:cacheprovider $(E2E_ARGS) tests/e2e

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
	rm -rf $(VENV) $(E2E_VENV) .pytest_cache .ruff_cache e2e-screenshots
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
