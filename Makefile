# Set-up and everyday commands; see README.md.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test build check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and exactly: the CPU build; any other release pulls a CUDA build.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[st,test]"
	touch $(STAMP)

install: $(STAMP)

build: install
	$(BIN)/assistant build

run: build
	$(BIN)/assistant serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/python -m pytest -q

check: install
	$(BIN)/assistant check

bench: install
	$(BIN)/python bench/search.py --kb national

clean:
	rm -rf build var .pytest_cache
