"""Reads of donations for pages, one module per audience: ``progress`` (a listing's month),
``transparency`` (the public accounts), ``officials`` (the finance officers' queues)."""
