"""Stages 4 and 5, format and write: black over the rendered modules, then the package
replaced atomically (``write``), compared (``--check``), or verified (``verify``)
against its ``manifest``.

Kept empty of imports: the no-op path reads ``manifest`` without loading the rest.
"""
