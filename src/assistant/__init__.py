"""An Giang procedure assistant: knowledge base → handbooks → search → grounded answers."""

import logging as _logging

__version__ = "0.1.0"


def _news_only(record: _logging.LogRecord) -> bool:
    return record.levelno >= _logging.WARNING


# Library chatter that is no news to an operator, in every process (CLI, server workers, tests): bm25s sets its
# logger to DEBUG on import and logs each index it builds; faiss's loader logs, at INFO, every CPU-specific
# build it could not load, with a ModuleNotFoundError that reads like a crash. A filter on the logger itself
# holds whatever level the library sets later; their warnings still pass.
for _name in ("bm25s", "faiss", "faiss.loader"):
    _logging.getLogger(_name).addFilter(_news_only)
