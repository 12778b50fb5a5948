"""Hybrid, procedure-level search over the index."""

from assistant.search.hybrid import Hit, HybridSearcher, SearchConfig

__all__ = ["Hit", "HybridSearcher", "SearchConfig"]
