"""Hybrid, procedure-level search over the index: retrievers → fusion → hits with snippets."""

from assistant.search.fusion import CHANNELS, SearchConfig
from assistant.search.hybrid import Hit, HybridSearcher

__all__ = ["CHANNELS", "Hit", "HybridSearcher", "SearchConfig"]
