"""Helpers and constants shared by the cli/ tests of the vendoring workflow and of how
apiforge fits a project (verify, --templates, pyproject.toml targets, the package's
README.md, CLI output, pre-commit hooks); conftest's ``vendored`` and
``licence_templates`` fixtures are built by ``vendor_client`` and
``write_licence_templates`` here."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from support.paths import REPO_ROOT as REPO

Cli = Callable[..., subprocess.CompletedProcess[str]]

VENDOR_PACKAGE = "cv_client"
MANIFEST = "apiforge-manifest.json"
LICENCE = "# SPDX-License-Identifier: MIT"
HEADER_CALL = "{{ m.header(meta) }}"
SUMMARY = re.compile(
    r"^apiforge: (?P<target>.+): (?P<written>\d+) written, (?P<unchanged>\d+) unchanged"
    r" in (?P<seconds>\d+\.\d+)s$"
)
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
KEY = "0123456789abcdef0123456789abcdef"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment run_cli builds (no PYTHON* variables), without proxies or NO_COLOR,
    and without stage lines (``APIFORGE_PROGRESS_AFTER``)."""
    dropped = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "NO_COLOR")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTHON") and k.upper() not in dropped
    }
    env.update({"PYTHONPATH": str(REPO / "generator"), "PYTHONDONTWRITEBYTECODE": "1"})
    # No stage lines on a terminal unless a test asks (a loaded machine makes runs slow).
    env["APIFORGE_PROGRESS_AFTER"] = "60"
    env.update(extra)
    return env


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` ignoring the user's global and system configuration."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"git {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def summaries(stdout: str) -> list[re.Match[str]]:
    """The one-line summaries in ``stdout``."""
    return [m for m in map(SUMMARY.match, stdout.splitlines()) if m]


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def copy_package(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def run_verify(
    cli: Cli, directory: Path, *extra: str | Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return cli("verify", directory, *extra, cwd=cwd)


def generate_into(
    cli: Cli, spec: Path, output: Path, *extra: str | Path, package: str = VENDOR_PACKAGE
) -> subprocess.CompletedProcess[str]:
    return cli(
        "generate", spec, "--output", output, "--package", package, *extra, cwd=output.parent
    )


# The vendoring scenario: a consumer repository with the client vendored into it.


@dataclass(frozen=True)
class Vendored:
    """A consumer repository with the client generated into src/vendor and committed."""

    repo: Path
    result: subprocess.CompletedProcess[str]

    @property
    def package(self) -> Path:
        return self.repo / "src" / "vendor" / VENDOR_PACKAGE


CONSUMER_APP = (
    """\
import importlib.util
import json
import sys
import uuid
from pathlib import Path

import cv_client
from cv_client import CustomVisionTrainingClient, ImagePerformance



def importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent package is not importable at all
        return False


url, checkout = sys.argv[1], Path(sys.argv[2]).resolve()
with CustomVisionTrainingClient(url, "KEY") as client:
    images = client.get_image_performances("PROJECT", uuid.UUID("ITERATION"), take=2)

venv = Path(sys.executable).parent.parent.absolute()  # sys.prefix needs the site module
from_checkout = sorted(
    name
    for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and Path(module.__file__).resolve().is_relative_to(checkout)
    and not Path(module.__file__).resolve().is_relative_to(venv)
)
decoded = []
for image in images:
    predictions = []
    for p in image.predictions or []:
        box = p.bounding_box
        predictions.append([
            type(p).__module__, type(p.tag_id).__name__, str(p.tag_id), p.tag_name,
            p.probability, type(p.tag_type).__name__, p.tag_type.value,
            [box.left, box.top, box.width, box.height],
        ])
    decoded.append({
        "class": f"{type(image).__module__}.{type(image).__name__}",
        "is_model": isinstance(image, ImagePerformance),
        "id": [type(image.id).__name__, str(image.id)],
        "created": [image.created.isoformat(), image.created.utcoffset() is not None],
        "size": [image.width, image.height],
        "image_uri": image.image_uri,
        "predictions": predictions,
    })
print(json.dumps({
    "package_file": str(Path(cv_client.__file__).resolve()),
    # (an editable install leaves the wheel's templates in site-packages/apiforge/,
    # a namespace directory without code: what must not be importable is the code)
    "generator_importable": importable("apiforge.cli"),
    "golden_importable": importlib.util.find_spec("customvision_training") is not None,
    "from_checkout": from_checkout,
    "images": decoded,
}))
""".replace("KEY", KEY)
    .replace("PROJECT", PROJECT)
    .replace("ITERATION", ITERATION)
)


def vendor_client(repo: Path, spec_path: Path, cli: Cli) -> Vendored:
    """Make the empty folder ``repo`` a consumer repository: a git repository with
    app.py, a copy of the spec in spec/, and the client generated into src/vendor and
    committed."""
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "Vendoring Test")
    git(repo, "config", "user.email", "vendoring@example.invalid")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / ".gitignore").write_text("__pycache__/\n")
    (repo / "app.py").write_text(CONSUMER_APP)
    # The consumer keeps its copy of the spec, for `apiforge verify --spec` (pre-commit).
    (repo / "spec").mkdir()
    shutil.copy(spec_path, repo / "spec" / spec_path.name)
    result = cli(
        "generate",
        spec_path,
        "--output",
        repo / "src" / "vendor",
        "--package",
        VENDOR_PACKAGE,
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Vendor the Custom Vision client")
    return Vendored(repo, result)


def write_licence_templates(folder: Path) -> Path:
    """Fill ``folder`` with a template directory overriding only _models.py.jinja,
    adding a licence line."""
    source = (REPO / "templates" / "_models.py.jinja").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.strip() == HEADER_CALL]
    assert len(at) == 1, f"_models.py.jinja should call {HEADER_CALL} once"
    lines.insert(at[0] + 1, LICENCE + "\n")
    (folder / "_models.py.jinja").write_text("".join(lines), encoding="utf-8")
    return folder


def run_on_terminal(
    args: Sequence[str | os.PathLike[str]],
    cwd: Path,
    env: Mapping[str, str],
    terminal: str = "stderr",
) -> tuple[int, str, str]:
    """``python -P -m apiforge ARGS`` with ``terminal`` ("stdout" or "stderr") on a
    pseudo-terminal and the other stream on a pipe: (exit code, stdout, stderr)."""
    master, slave = pty.openpty()
    pipe_out = terminal != "stdout"
    try:
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "apiforge", *map(str, args)],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe_out else slave,
            stderr=slave if pipe_out else subprocess.PIPE,
        )
    finally:
        os.close(slave)
    piped = proc.stdout if pipe_out else proc.stderr
    assert piped is not None
    piped_fd = piped.fileno()
    chunks: dict[int, list[bytes]] = {master: [], piped_fd: []}
    open_fds = set(chunks)
    try:
        while open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], 60)
            if not ready:
                proc.kill()
                raise AssertionError(f"apiforge {args} produced no output and did not exit")
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's last writer is gone
                    data = b""
                if data:
                    chunks[fd].append(data)
                else:
                    open_fds.discard(fd)
        code = proc.wait(timeout=60)
    finally:
        piped.close()
        os.close(master)
    on_terminal = b"".join(chunks[master]).decode().replace("\r\n", "\n")
    on_pipe = b"".join(chunks[piped_fd]).decode()
    return (code, on_pipe, on_terminal) if pipe_out else (code, on_terminal, on_pipe)
