"""Ingest: inputs → decoded text → Article → chunks → embeddings → store.

Modules, in pipeline order (imports only go down this list): ``pipeline`` (incremental,
crash-safe runs), ``chunk`` (sentence-aligned chunks), ``read`` (files, folders, URLs),
``fetch`` (HTTP), ``html`` (HTML extraction), ``parse`` (text → Article), ``decode``
(bytes → text), ``skipped`` (one-line reasons).
"""
