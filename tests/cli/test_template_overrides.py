"""``--templates`` overrides: a template directory that replaces one template changes only
that file, deterministically, and a broken override is reported where it breaks and
writes nothing.

The command runs in a subprocess (``python -P -m apiforge``); nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import (
    HEADER_CALL,
    LICENCE,
    MANIFEST,
    VENDOR_PACKAGE,
    Cli,
    Vendored,
    copy_package,
    generate_into,
    no_traceback,
)
from support.paths import REPO_ROOT as REPO


def stat_tree(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of ``root`` and everything under it: any rewrite changes them."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in [root, *sorted(root.rglob("*"))]
    }


def test_template_override_changes_only_its_file(
    cli: Cli,
    vendored: Vendored,
    licence_templates: Path,
    spec_path: Path,
    tmp_path: Path,
    tree: Callable,
    diff_trees: Callable,
) -> None:
    plain = tree(vendored.package)
    first = generate_into(cli, spec_path, tmp_path / "one", "--templates", licence_templates)
    assert first.returncode == 0, first.stderr
    custom = tree(tmp_path / "one" / VENDOR_PACKAGE)

    models = custom["_models.py"].decode().splitlines()
    assert LICENCE in models, custom["_models.py"].decode()[:600]
    assert LICENCE not in plain["_models.py"].decode().splitlines()
    assert models.index(LICENCE) < next(i for i, ln in enumerate(models) if ln.startswith('"""'))
    # Every other file is what a normal generation makes; the manifest differs only in
    # the hash of _models.py.
    others = {k: v for k, v in custom.items() if k not in ("_models.py", MANIFEST)}
    expected = {k: v for k, v in plain.items() if k not in ("_models.py", MANIFEST)}
    assert diff_trees(expected, others) == ""
    assert set(custom) == set(plain)
    recorded, normal = json.loads(custom[MANIFEST]), json.loads(plain[MANIFEST])
    assert recorded["files"].pop("_models.py") == hashlib.sha256(custom["_models.py"]).hexdigest()
    normal["files"].pop("_models.py")
    assert recorded == normal

    # Deterministic: --check renders again and compares byte for byte.
    target = tmp_path / "one"
    stats = stat_tree(target)
    checked = generate_into(cli, spec_path, target, "--check", "--templates", licence_templates)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == [f"apiforge: {target / VENDOR_PACKAGE} is up to date"]
    unaware = generate_into(cli, spec_path, target, "--check")
    assert unaware.returncode == 1, unaware.stdout + unaware.stderr
    assert f"-{LICENCE}" in unaware.stdout.splitlines()
    assert stat_tree(target) == stats, "--check touched the output"


@pytest.mark.parametrize(
    ("broken_line", "what"),
    [("{% if %}", "TemplateSyntaxError"), ("{{ no_such_variable }}", "no_such_variable")],
    ids=["syntax-error", "undefined-variable"],
)
def test_broken_override_template_is_reported_and_writes_nothing(
    cli: Cli,
    vendored: Vendored,
    spec_path: Path,
    tmp_path: Path,
    tree: Callable,
    broken_line: str,
    what: str,
) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    source = (REPO / "templates" / "_models.py.jinja").read_text(encoding="utf-8").splitlines()
    assert source[1] == HEADER_CALL, source[:3]
    source.insert(2, broken_line)  # line 3
    (override / "_models.py.jinja").write_text("\n".join(source) + "\n", encoding="utf-8")
    output = tmp_path / "out"
    copy_package(vendored.package, output / VENDOR_PACKAGE)
    before, stats = tree(output / VENDOR_PACKAGE), stat_tree(output)

    result = generate_into(cli, spec_path, output, "--templates", override)

    assert result.returncode == 2, result.stdout + result.stderr
    no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors, result.stderr
    template = override / "_models.py.jinja"
    located = re.compile(rf"^{re.escape(str(template))}:3:\d+: error: .*{re.escape(what)}")
    assert any(located.match(line) for line in errors), (
        f"expected an error located at {template}:3, got:\n{result.stderr}"
    )
    assert tree(output / VENDOR_PACKAGE) == before
    assert stat_tree(output) == stats, "the previous output was touched"
