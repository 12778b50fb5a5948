"""An Giang procedure assistant: knowledge base → handbooks → search → grounded answers."""

__version__ = "0.1.0"
