"""The runtime modules every generated package holds, as plain Python.

apiforge copies each of ``_base.py``, ``_runtime.py``, ``_auth.py``, ``_oauth2.py``,
``_xml.py``, ``_errors.py`` and ``_unions.py`` into a generated package as it is, under
the generated-file header; nothing in them depends on the spec. They are kept
black-formatted (line length 88), so the generator does not format them again.

This ``__init__.py`` and ``_models.pyi`` are not copied: they make the folder a package
that ``mypy --strict`` and ruff check directly, ``_models.pyi`` standing in for the
generated module the runtime refers to.
"""
