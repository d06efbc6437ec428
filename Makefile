# make demo: set up .venv and write the demo reports into reports/demo/
# make test: set up .venv and run the test suite
# make docs: the documentation site into site/ (mkdocs --strict; runs the notebooks on a small demo)
# make reports: the demo's reports, then every notebook executed and exported to reports/notebooks/*.html
# make lab: JupyterLab on notebooks/ with this checkout's package (jupyter-config/: 127.0.0.1 only,
#           notebooks/ saved without outputs); EXPLAINER_NOTEBOOK_CUSTOMERS=1000 make lab for a quick demo
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.txt | sha256sum | cut -c1-12)

.PHONY: demo test reports docs bench clean setup lab

setup: $(STAMP)

$(STAMP): pyproject.toml requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=compat
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/explainer demo --out reports/demo --force

test: $(STAMP)
	$(BIN)/ruff check explainer tests benchmarks
	$(BIN)/python -m pytest -q

reports: $(STAMP)
	$(BIN)/python -m explainer.cli demo --out reports/demo --force
	$(BIN)/python -m explainer._notebooks notebooks --out reports/notebooks

lab: $(STAMP)
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter-config PYTHONPATH=$(CURDIR) $(BIN)/jupyter lab

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python benchmarks/explain_speed.py

clean:
	rm -rf $(VENV) build *.egg-info site
