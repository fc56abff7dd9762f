"""Where things are in the checkout; every test finds files through these, never through
``..`` of its own location, so a test can move between folders without breaking."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
REPO_ROOT = TESTS.parent
SOURCE = REPO_ROOT / "generator"  # what ``import apiforge`` needs on sys.path (a src layout)
SPEC = REPO_ROOT / "spec" / "customvision-training.yaml"
GOLDEN_PACKAGE = "customvision_training"
GOLDEN = REPO_ROOT / "generated" / GOLDEN_PACKAGE
SPECS = TESTS / "specs"  # the construct corpus
FRAGMENTS = TESTS / "fragments"
HOSTILE = TESTS / "hostile"
UPSTREAM = TESTS / "upstream"  # Microsoft's own document and example (see its README.md)
UPSTREAM_SPEC = UPSTREAM / "customvision-training-v3.3.json"
UPSTREAM_EXAMPLE = UPSTREAM / "examples" / "GetImagePerformances.json"
