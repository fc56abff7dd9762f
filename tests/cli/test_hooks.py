"""The pre-commit hooks of .pre-commit-hooks.yaml: well formed, passing in this repository,
and apiforge-verify as documented there, in a consumer repository.

The hooks' commands run in a subprocess (``python -P -m apiforge``); nothing is mocked.
"""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest
import yaml
from support.cli import VENDOR_PACKAGE, Cli, Vendored, git
from support.paths import REPO_ROOT as REPO


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict]:
    data = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list), "a hooks file is a list of hooks"
    by_id = {hook["id"]: hook for hook in data}
    assert len(by_id) == len(data), "hook ids must be unique"
    return by_id


def test_hooks_are_well_formed(hooks: dict[str, dict]) -> None:
    assert set(hooks) == {"apiforge-check", "apiforge-verify"}
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    for hook_id, hook in hooks.items():
        for key in ("id", "name", "entry", "language"):
            assert isinstance(hook.get(key), str) and hook[key], (hook_id, key)
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["pass_filenames"] is False
        command = shlex.split(hook["entry"])[0]
        assert command in scripts, f"{hook_id}: {command!r} is not a console script"


def hook_args(hook: dict) -> list[str]:
    words = shlex.split(hook["entry"])
    assert words[0] == "apiforge", hook["entry"]
    return words[1:] + list(hook.get("args", []))


def test_check_hook_passes_in_this_repository(cli: Cli, hooks: dict[str, dict]) -> None:
    result = cli(*hook_args(hooks["apiforge-check"]), cwd=REPO)

    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_hook_passes_in_this_repository(cli: Cli, hooks: dict[str, dict]) -> None:
    result = cli(*hook_args(hooks["apiforge-verify"]), "generated/customvision_training", cwd=REPO)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_verify_hook_as_documented_in_a_consumer_repository(
    cli: Cli, hooks: dict[str, dict], vendored: Vendored
) -> None:
    # The hooks file's own comment shows the consumer's configuration; use exactly that.
    comment = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    documented = re.search(r"args: (\[.*\])", comment)
    assert documented, "the hooks file should document apiforge-verify's args"
    args = yaml.safe_load(documented.group(1))
    assert args[0] == f"src/vendor/{VENDOR_PACKAGE}"

    result = cli(*hook_args(hooks["apiforge-verify"]), *args, cwd=vendored.repo)
    assert result.returncode == 0, result.stdout + result.stderr

    spec = vendored.repo / args[args.index("--spec") + 1]
    spec.write_text(spec.read_text().replace("The project id.", "The id of the project."))
    try:
        stale = cli(*hook_args(hooks["apiforge-verify"]), *args, cwd=vendored.repo)
    finally:
        git(vendored.repo, "checkout", "--", str(spec.relative_to(vendored.repo)))
    assert stale.returncode == 1
    assert "changed since generation" in stale.stderr
