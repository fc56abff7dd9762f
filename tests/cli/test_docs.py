"""The docs stay true: README.md, ARCHITECTURE.md, CONTRIBUTING.md and every docs/*.md.

- Every fenced Python example runs. The blocks of one file run in order in one namespace,
  top-level ``await`` allowed (as in ``python -m asyncio``), with the Custom Vision service
  answered by a stand-in in this process (``StandIn``: both httpx transports are patched,
  so nothing leaves the machine). A block that cannot run is marked on the line before it
  with ``<!-- not run: REASON -->``; it must still compile.
- Every command shown for the CLI (``apiforge ...``, ``python -m apiforge ...``, in shell
  blocks, ``run:`` lines of YAML blocks and inline code) is accepted by the CLI's own
  argument parser; ``make`` targets and the scripts shown exist.
- The synopsis in docs/cli.md (the block after ``<!-- synopsis ... -->``) names every
  command and flag of the parser, and nothing else.
- Every relative link, and its ``#anchor``, leads somewhere in the checkout.
- Every path in backticks under one of ``PATH_ROOTS`` exists (``<name>`` stands for any name).
- README.md is at most 8,192 bytes.

Each check is a function from a document's text to the problems it finds; each has a
control below, a small broken sample it must catch, beside a sound one it must pass.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import re
import shlex
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
from apiforge import cli
from support.page_factory import make_page
from support.paths import REPO_ROOT, SPECS

README = REPO_ROOT / "README.md"
README_LIMIT = 8192
TOPICS = ("client", "openapi-support", "multi-file", "cli", "safety", "performance")
DOCS = sorted(
    [
        README,
        REPO_ROOT / "ARCHITECTURE.md",
        REPO_ROOT / "CONTRIBUTING.md",
        *(REPO_ROOT / "docs").glob("*.md"),
    ]
)
IDS = [doc.relative_to(REPO_ROOT).as_posix() for doc in DOCS]
PYTHON = ("python", "py")
SHELL = ("sh", "shell", "bash", "console")
PATH_ROOTS = ("generator", "templates", "tests", "benchmarks", "generated", "spec", "docs")

# --- reading Markdown ------------------------------------------------------------------------

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[^\s`]*)")
MARKER = re.compile(r"^<!--\s*(?P<kind>not run|synopsis)\b:?\s*(?P<text>.*?)\s*-->$")
CODE_SPAN = re.compile(r"(`+)(?P<code>.+?)\1")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, its text (dedented), where it opens, and the
    ``<!-- ... -->`` marker on the line before it, if any."""

    lang: str
    code: str
    line: int
    marker: re.Match[str] | None = None


@dataclass
class Markdown:
    """A document split into its fenced blocks and its prose (blocks blanked out, so
    line numbers stay true)."""

    blocks: list[Block] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    stray_markers: list[int] = field(default_factory=list)


def parse(text: str) -> Markdown:
    """Fenced blocks and prose of ``text``."""
    lines = text.splitlines()
    doc = Markdown(prose=list(lines))
    pending: tuple[int, re.Match[str]] | None = None
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        opening = FENCE.match(lines[i])
        if opening is None:
            marker = MARKER.match(stripped)
            if marker:
                if pending:
                    doc.stray_markers.append(pending[0])
                pending = (i + 1, marker)
            elif stripped and pending:
                doc.stray_markers.append(pending[0])
                pending = None
            i += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            line = lines[j]
            body.append(line[indent:] if line.startswith(" " * indent) else line.lstrip())
            j += 1
        before = pending[1] if pending else None
        pending = None
        doc.blocks.append(Block(opening["info"].lower(), "\n".join(body) + "\n", i + 1, before))
        for k in range(i, min(j + 1, len(lines))):
            doc.prose[k] = ""
        i = j + 1
    if pending:
        doc.stray_markers.append(pending[0])
    return doc


def code_spans(doc: Markdown) -> Iterator[tuple[int, str]]:
    """Inline code of the prose, with its line number."""
    for number, line in enumerate(doc.prose, 1):
        for match in CODE_SPAN.finditer(line):
            yield number, match["code"].strip()


def logical_lines(code: str) -> Iterator[tuple[int, str]]:
    """Lines of a shell block with backslash continuations joined, and their offsets."""
    pending, start = "", 0
    for offset, line in enumerate(code.splitlines()):
        if not pending:
            start = offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


# --- check: Python examples run ----------------------------------------------------------


def run_examples(label: str, text: str) -> list[str]:
    """Run every Python block of ``text`` in order, in one namespace; the problems found."""
    doc = parse(text)
    stray = doc.stray_markers
    problems = [f"{label}:{n}: a marker that stands before no code block" for n in stray]
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for block in doc.blocks:
        where = f"{label}:{block.line}"
        kind = block.marker["kind"] if block.marker else ""
        if block.lang not in PYTHON:
            if kind == "not run":
                problems.append(f"{where}: 'not run' marks a {block.lang or 'plain'} block")
            continue
        try:
            code = compile(
                block.code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
            )
        except SyntaxError as exc:
            problems.append(f"{where}: does not compile: {exc}")
            continue
        if kind == "not run":
            if not block.marker or not block.marker["text"]:
                problems.append(f"{where}: <!-- not run: REASON --> must say why")
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                result = eval(code, namespace)
                if inspect.iscoroutine(result):
                    asyncio.run(result)
        except Exception:
            lines = traceback.format_exc(limit=-2).strip().splitlines()
            problems.append(f"{where}: the example fails:\n    " + "\n    ".join(lines[-6:]))
    return problems


PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
OPERATION = re.compile(
    r"/customvision/v3\.3/training/projects/(?P<project>[^/]+)/iterations/[^/]+/performance/images"
)
XML_TYPES = ("application/xml", "text/xml")


def xml_element(tag: str, value: Any) -> str:
    """``value`` as .NET DataContract XML: objects as elements, arrays as wrappers."""
    if value is None:
        return ""
    if isinstance(value, list):
        inner = "".join(xml_element("Item", item) for item in value)
    elif isinstance(value, dict):
        inner = "".join(xml_element(key, item) for key, item in value.items())
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


@dataclass
class StandIn:
    """GetImagePerformances over a fixed list of images, as the docs' examples call it:
    ``skip``/``take`` honoured, JSON or XML by the Accept header, 401 without a key, and
    404 NotFoundProject for any project but ``PROJECT``."""

    images: list[dict[str, Any]]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        found = OPERATION.fullmatch(request.url.path)
        if found is None or request.method != "GET":
            return httpx.Response(404, text=f"no operation {request.method} {request.url.path}")
        if not request.headers.get("Training-Key"):
            return httpx.Response(401, json={"code": "Unauthorized", "message": "no key"})
        if found["project"] != PROJECT:
            error = {"code": "NotFoundProject", "message": "Invalid project"}
            return httpx.Response(404, headers={"apim-request-id": "req-1"}, json=error)
        skip = int(request.url.params.get("skip", "0"))
        take = int(request.url.params.get("take", "50"))
        page = self.images[skip : skip + take]
        accept = request.headers.get("Accept", "")
        if accept in XML_TYPES:
            body = xml_element("ArrayOfImagePerformance", page).encode()
            return httpx.Response(200, headers={"Content-Type": accept}, content=body)
        return httpx.Response(200, json=page)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """Every httpx request of the test answered by a ``StandIn``; the checkout as the
    working directory; apiforge's caches off, so an example writes nothing."""
    service = StandIn(make_page(12, seed=7))

    async def answer_async(_transport: object, request: httpx.Request) -> httpx.Response:
        return service(request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", lambda _, request: service(request))
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", answer_async)
    monkeypatch.setenv("APIFORGE_CACHE_DIR", "")
    monkeypatch.chdir(REPO_ROOT)
    return service


# --- check: commands parse ---------------------------------------------------------------


def make_targets() -> set[str]:
    """The targets the Makefile defines."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, re.M))


def commands(doc: Markdown) -> Iterator[tuple[int, str, bool]]:
    """(line, command, inline) for every command shown: shell block lines, YAML ``run:``
    values, and inline code that starts like a command."""
    for block in doc.blocks:
        if block.lang in SHELL:
            for offset, line in logical_lines(block.code):
                yield block.line + 1 + offset, line.strip().removeprefix("$ "), False
        elif block.lang in ("yaml", "yml"):
            for offset, line in enumerate(block.code.splitlines()):
                run = re.search(r"\brun:\s*(.+)$", line)
                if run:
                    yield block.line + 1 + offset, run[1], False
    for number, span in code_spans(doc):
        if re.match(r"^(?:(?:\S*python3?\s+-m\s+)?apiforge|make)\s+\S", span):
            yield number, span, True


def _parses(args: list[str]) -> str:
    """'' when apiforge's parser accepts ``args``, else what it said."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            cli._parser().parse_args(args)
    except SystemExit as exc:
        if exc.code not in (0, None):
            return err.getvalue().strip().splitlines()[-1]
    return ""


def check_command(command: str, inline: bool = False) -> str:
    """Why ``command`` is wrong, or ''. Commands of other programs are not checked."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError as exc:
        return f"cannot be split into words: {exc}"
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        words = words[1:]  # PYTHON=python3.12 make ...
    if not words:
        return ""
    program, rest = words[0], words[1:]
    if program.endswith(("python", "python3")) and rest[:2] == ["-m", "apiforge"]:
        program, rest = "apiforge", rest[2:]
    if program == "apiforge":
        if "..." in rest:  # `apiforge generate ...`: what comes after is left out
            rest = rest[: rest.index("...")]
            if not rest:
                return ""
        subcommands = {"generate", "verify"}
        if inline and len(rest) == 1 and rest[0] in subcommands:
            return ""  # `apiforge verify` names the command; it is no invocation
        return _parses(rest)
    if program == "make":
        unknown = [w for w in rest if "=" not in w and not w.startswith("-")]
        unknown = [w for w in unknown if w not in make_targets()]
        return f"no make target {unknown[0]!r}" if unknown else ""
    if program.endswith(("python", "python3")) and rest and rest[0].endswith(".py"):
        script = REPO_ROOT / rest[0]
        if not script.is_file():
            return f"no script {rest[0]}"
        if rest[0] == "tests/specs/update.py":
            missing = [name for name in rest[1:] if not (SPECS / name).is_dir()]
            return f"no construct {missing[0]!r} in tests/specs" if missing else ""
    if program.endswith(("python", "python3")) and rest[:2] == ["-m", "pytest"]:
        missing = [w for w in rest[2:] if not w.startswith("-") and not (REPO_ROOT / w).exists()]
        return f"no test path {missing[0]}" if missing else ""
    return ""


def command_problems(label: str, text: str) -> list[str]:
    """Every command of ``text`` that would be refused."""
    problems = []
    for line, command, inline in commands(parse(text)):
        why = check_command(command, inline)
        if why:
            problems.append(f"{label}:{line}: {command!r}: {why}")
    return problems


# --- check: the synopsis names every command and flag ---------------------------------------

FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
NOT_REQUIRED = {"-h", "--help"}


def _options(parser: Any) -> list[tuple[str, ...]]:
    """The option strings of each optional argument of ``parser``, help left out."""
    return [
        tuple(action.option_strings)
        for action in parser._actions
        if action.option_strings and not set(action.option_strings) <= NOT_REQUIRED
    ]


def synopsis_problems(text: str) -> list[str]:
    """What the marked synopsis of ``text`` misses or invents, compared with the parser."""
    synopses = [b for b in parse(text).blocks if b.marker and b.marker["kind"] == "synopsis"]
    if len(synopses) != 1:
        return [f"expected one block marked <!-- synopsis -->, found {len(synopses)}"]
    parser = cli._parser()
    (subparsers,) = [a for a in parser._actions if a.choices and a.dest == "command"]
    wanted: dict[str, list[tuple[str, ...]]] = {"": _options(parser)}
    wanted.update({name: _options(sub) for name, sub in subparsers.choices.items()})
    found: dict[str, set[str]] = {scope: set() for scope in wanted}
    for _, line in logical_lines(re.sub(r"\n\s+", " ", synopses[0].code)):
        line = re.sub(r"^\S*python3?\s+-m\s+", "", line.strip())
        command = re.search(rf"\b({'|'.join(subparsers.choices)})\b", line)
        cut = command.start() if command else len(line)
        found[""] |= set(FLAG.findall(line[:cut]))
        if command:
            found[command[1]] |= set(FLAG.findall(line[cut:]))
    problems = []
    for scope, options in wanted.items():
        name = scope or "apiforge"
        if scope and not found[scope] and scope not in synopses[0].code:
            problems.append(f"the synopsis does not show the command {scope!r}")
        known = {o for strings in options for o in strings} | NOT_REQUIRED
        problems += [f"{name}: no option {flag}" for flag in sorted(found[scope] - known)]
        problems += [
            f"{name}: {' / '.join(strings)} is missing"
            for strings in options
            if not found[scope] & set(strings)
        ]
    return problems


# --- check: links and paths lead somewhere -------------------------------------------------


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of ``text``."""
    anchors: set[str] = set()
    counts: dict[str, int] = {}
    for line in parse(text).prose:
        heading = HEADING.match(line)
        if not heading:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading["title"]).lower()
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        seen = counts.get(slug, 0)
        counts[slug] = seen + 1
        anchors.add(slug if not seen else f"{slug}-{seen}")
    return anchors


def link_problems(path: Path, text: str) -> list[str]:
    """Relative links of ``text`` (the document at ``path``) that lead nowhere."""
    problems = []
    label = path.relative_to(REPO_ROOT).as_posix()
    for number, line in enumerate(parse(text).prose, 1):
        for match in LINK.finditer(CODE_SPAN.sub("", line)):
            target = match["target"]
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
                continue  # https:, mailto:
            name, _, anchor = target.partition("#")
            dest = (path.parent / name).resolve() if name else path
            where = f"{label}:{number}: link {target!r}"
            if not dest.is_relative_to(REPO_ROOT):
                problems.append(f"{where} leaves the checkout")
            elif name and not dest.exists():
                problems.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md":
                target_text = text if dest == path else dest.read_text(encoding="utf-8")
                if anchor not in heading_anchors(target_text):
                    problems.append(f"{where}: no heading #{anchor} there")
    return problems


def path_problems(label: str, text: str) -> list[str]:
    """Paths in backticks, under one of ``PATH_ROOTS``, that do not exist."""
    problems = []
    rooted = re.compile(rf"(?:{'|'.join(PATH_ROOTS)})(?:/[^\s`]*)?")
    for number, span in code_spans(parse(text)):
        if not rooted.fullmatch(span):
            continue
        pattern = re.sub(r"<[^<>/]+>", "*", span).rstrip("/")
        exists = any(REPO_ROOT.glob(pattern)) if "*" in pattern else (REPO_ROOT / pattern).exists()
        if not exists:
            problems.append(f"{label}:{number}: `{span}` does not exist")
    return problems


def readme_problems(data: bytes) -> list[str]:
    """The README's one rule of size."""
    if len(data) > README_LIMIT:
        return [f"README.md is {len(data):,} bytes; at most {README_LIMIT:,}: move detail to docs/"]
    return []


# --- the docs ------------------------------------------------------------------------------


def test_the_docs_are_all_here() -> None:
    for topic in TOPICS:
        assert REPO_ROOT / "docs" / f"{topic}.md" in DOCS, topic
    assert len(DOCS) >= 3 + len(TOPICS)


def test_readme_is_short() -> None:
    assert readme_problems(README.read_bytes()) == []


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_python_examples_run(doc: Path, stand_in: StandIn) -> None:
    label = doc.relative_to(REPO_ROOT).as_posix()
    problems = run_examples(label, doc.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_the_examples_reach_the_stand_in(stand_in: StandIn) -> None:
    """The examples call the service; a stand-in that is never reached proves nothing."""
    assert run_examples("README.md", README.read_text(encoding="utf-8")) == []
    assert any(OPERATION.fullmatch(r.url.path) for r in stand_in.requests)
    assert all(r.url.host == "westus.api.cognitive.microsoft.com" for r in stand_in.requests)


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_commands_are_accepted(doc: Path) -> None:
    label = doc.relative_to(REPO_ROOT).as_posix()
    problems = command_problems(label, doc.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_synopsis_names_every_command_and_flag() -> None:
    problems = synopsis_problems((REPO_ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_links_lead_somewhere(doc: Path) -> None:
    problems = link_problems(doc, doc.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_paths_in_backticks_exist(doc: Path) -> None:
    label = doc.relative_to(REPO_ROOT).as_posix()
    problems = path_problems(label, doc.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_architecture_names_the_pipeline() -> None:
    """The path check means something for ARCHITECTURE.md: it names every stage's module."""
    text = (REPO_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    spans = {span for _, span in code_spans(parse(text))}
    modules = sorted((REPO_ROOT / "generator" / "apiforge").rglob("*.py"))
    named = [m.relative_to(REPO_ROOT).as_posix() for m in modules if m.name != "__main__.py"]
    missing = [m for m in named if m not in spans and not m.endswith("/__init__.py")]
    assert not missing, f"ARCHITECTURE.md does not name {missing}"


# --- controls: each check passes a sound sample and catches each broken one, for its reason ---

SOUND_EXAMPLES = """\
```python
from customvision_training import CustomVisionTrainingClient

client = CustomVisionTrainingClient("https://westus.api.cognitive.microsoft.com", "key")
```

<!-- not run: shows a method of another package -->
```python
client.stream_download_blob("a.pdf")
```

```python
project, iteration = "bc3f7dad-5544-468c-8573-3ef04d55463e", "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
client.get_image_performances(project, iteration, take=3)
```

```python
from customvision_training import AsyncCustomVisionTrainingClient

async with AsyncCustomVisionTrainingClient("https://cv.example.com", "k") as aio:
    assert len(await aio.get_image_performances(project, iteration, take=3)) == 3
```
"""
IMPORT = "```python\nfrom customvision_training import CustomVisionTrainingClient\n"
IDS_ARGS = '"bc3f7dad-5544-468c-8573-3ef04d55463e", "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"'
BROKEN_EXAMPLES = {
    "an argument the method does not have": (
        IMPORT + f'CustomVisionTrainingClient("https://h.example", "k")'
        f".get_image_performances({IDS_ARGS}, top=5)\n```\n",
        "unexpected keyword argument 'top'",
    ),
    "a name the package does not export": (
        "```python\nfrom customvision_training import CustomVisionClient\n```\n",
        "cannot import name 'CustomVisionClient'",
    ),
    "an error the example does not expect": (
        IMPORT + 'CustomVisionTrainingClient("http://cv.example.com", "k")\n```\n',
        "refusing plain http",
    ),
    "a name no earlier block made": ("```python\nclient.close()\n```\n", "NameError"),
    "not run without a reason": ("<!-- not run -->\n```python\nx = 1\n```\n", "must say why"),
    "not run, and not compiling": (
        "<!-- not run: old -->\n```python\nprint(\n```\n",
        "does not compile",
    ),
    "a marker before a shell block": (
        "<!-- not run: a shell line -->\n```sh\nls\n```\n",
        "'not run' marks a sh block",
    ),
    "a marker before nothing": (
        "<!-- not run: forgotten -->\n\nSome prose.\n",
        "stands before no code block",
    ),
}


def test_sound_examples_pass(stand_in: StandIn) -> None:
    assert run_examples("sample.md", SOUND_EXAMPLES) == []
    assert len(stand_in.requests) == 2  # the blocks ran in order, the last one awaited


@pytest.mark.parametrize(("sample", "reason"), BROKEN_EXAMPLES.values(), ids=BROKEN_EXAMPLES)
def test_a_broken_example_is_caught(sample: str, reason: str, stand_in: StandIn) -> None:
    problems = run_examples("sample.md", sample)
    assert any(reason in p for p in problems), problems


SOUND_COMMANDS = """\
```sh
apiforge generate spec/customvision-training.yaml \\
    --output src/vendor --package cv_client   # a comment
$ python -m apiforge verify generated/customvision_training --spec spec/customvision-training.yaml
make bench BENCH_ARGS="--only decode"
PYTHON=python3.12 make test
.venv/bin/python tests/specs/update.py names
git diff tests/specs/
```

```yaml
- run: apiforge generate --check --all
```

Run `apiforge --version`, `apiforge verify`, `python -m apiforge generate ...` or `make fmt`.
"""
BROKEN_COMMANDS = {
    "an unknown flag": (
        "```sh\napiforge generate --frobnicate\n```\n",
        "unrecognized arguments: --frobnicate",
    ),
    "a missing argument": (
        "```sh\napiforge verify --spec api.yaml\n```\n",
        "the following arguments are required: directory",
    ),
    "an unknown command": (
        "```sh\npython -m apiforge gen spec.yaml\n```\n",
        "invalid choice: 'gen'",
    ),
    "a flag of the other command": (
        "```yaml\n- run: apiforge verify out --check\n```\n",
        "unrecognized arguments: --check",
    ),
    "an unknown make target": ("Run `make tset`.\n", "no make target 'tset'"),
    "an inline invocation with a bad flag": (
        "Run `apiforge generate --dry-run`.\n",
        "unrecognized arguments: --dry-run",
    ),
    "a script that is not there": (
        "```sh\n.venv/bin/python tests/specs/upgrade.py\n```\n",
        "no script tests/specs/upgrade.py",
    ),
    "a construct that is not there": (
        "```sh\n.venv/bin/python tests/specs/update.py nope\n```\n",
        "no construct 'nope'",
    ),
}


def test_sound_commands_pass() -> None:
    assert len(list(commands(parse(SOUND_COMMANDS)))) == 11
    assert command_problems("sample.md", SOUND_COMMANDS) == []


@pytest.mark.parametrize(("sample", "reason"), BROKEN_COMMANDS.values(), ids=BROKEN_COMMANDS)
def test_a_refused_command_is_caught(sample: str, reason: str) -> None:
    problems = command_problems("sample.md", sample)
    assert any(reason in p for p in problems), problems


def synopsis(body: str) -> str:
    return f"<!-- synopsis -->\n```text\n{body}```\n"


SOUND_SYNOPSIS = synopsis(
    "apiforge [-q | -v] generate [SPEC] [--output DIR] [--package NAME] [--templates DIR]\n"
    "                  [--ref-root DIR] [--group-by X] [--target NAME | --all]\n"
    "                  [--check] [--force] [--strict] [-q | -v]\n"
    "apiforge init [SPEC] [--output DIR] [--package NAME] [--force] [-q | -v]\n"
    "apiforge verify DIR [--spec SPEC] [--quiet | --verbose]\n"
    "apiforge --version\n"
    "python -m apiforge ...\n"
)
BROKEN_SYNOPSES = {
    "a flag left out": (SOUND_SYNOPSIS.replace(" [--strict]", ""), "generate: --strict is missing"),
    "a flag invented": (
        SOUND_SYNOPSIS.replace("[--force]", "[--force] [--dry-run]"),
        "generate: no option --dry-run",
    ),
    "a flag under the wrong command": (
        SOUND_SYNOPSIS.replace("[--spec SPEC]", "[--check]"),
        "verify: no option --check",
    ),
    "a command left out": (
        SOUND_SYNOPSIS.replace("apiforge verify DIR", "apiforge DIR"),
        "does not show the command 'verify'",
    ),
    "loudness forgotten on one command": (
        SOUND_SYNOPSIS.replace(" [--quiet | --verbose]", ""),
        "verify: -q / --quiet is missing",
    ),
    "the version forgotten": (
        SOUND_SYNOPSIS.replace("apiforge --version\n", ""),
        "apiforge: --version is missing",
    ),
    "no marked synopsis": (SOUND_SYNOPSIS.replace("<!-- synopsis -->\n", ""), "found 0"),
}


def test_sound_synopsis_passes() -> None:
    assert synopsis_problems(SOUND_SYNOPSIS) == []


@pytest.mark.parametrize(("sample", "reason"), BROKEN_SYNOPSES.values(), ids=BROKEN_SYNOPSES)
def test_a_wrong_synopsis_is_caught(sample: str, reason: str) -> None:
    problems = synopsis_problems(sample)
    assert any(reason in p for p in problems), problems


SAMPLE_DOC = REPO_ROOT / "docs" / "sample.md"  # never written: links resolve from docs/
SOUND_LINKS = """\
# A sample

See [the client](client.md#pagination), [the CLI](cli.md#apiforge-verify),
[contributing](../CONTRIBUTING.md#the-construct-corpus), [here](#a-sample),
[httpx](https://www.python-httpx.org/) and the code `[not](a-link.md)`.
"""
BROKEN_LINKS = {
    "a file that is not there": ("[x](clients.md)\n", "no such file"),
    "a heading that is not there": ("[x](client.md#paging)\n", "no heading #paging"),
    "a heading of this file that is not there": ("# Title\n[x](#titel)\n", "no heading #titel"),
    "a path from the wrong folder": ("[x](docs/client.md)\n", "no such file"),
}


def test_sound_links_pass() -> None:
    assert link_problems(SAMPLE_DOC, SOUND_LINKS) == []


@pytest.mark.parametrize(("sample", "reason"), BROKEN_LINKS.values(), ids=BROKEN_LINKS)
def test_a_broken_link_is_caught(sample: str, reason: str) -> None:
    problems = link_problems(SAMPLE_DOC, sample)
    assert any(reason in p for p in problems), problems


def test_anchors_follow_githubs_rules() -> None:
    text = "# `apiforge verify`\n## To change X, edit Y\n## Notes\n## Notes\n```\n# not one\n```\n"
    assert heading_anchors(text) == {"apiforge-verify", "to-change-x-edit-y", "notes", "notes-1"}


SOUND_PATHS = (
    "`generator/apiforge/build/schemas.py`, `templates/runtime/`, `tests/specs/<construct>/`,"
    " `src/vendor/cv_client/` (not ours) and `ir.py`.\n```\ngenerator/apiforge/nope.py\n```\n"
)
BROKEN_PATHS = {
    "a module that is not there": "`generator/apiforge/render/nope.py`\n",
    "a folder that is not there": "`templates/partials/`\n",
    "a placeholder that matches nothing": "`tests/specs/<construct>/nope.yaml`\n",
}


def test_sound_paths_pass() -> None:
    assert path_problems("sample.md", SOUND_PATHS) == []


@pytest.mark.parametrize("sample", BROKEN_PATHS.values(), ids=BROKEN_PATHS)
def test_a_missing_path_is_caught(sample: str) -> None:
    assert path_problems("sample.md", sample) == [f"sample.md:1: {sample.strip()} does not exist"]


def test_an_oversized_readme_is_caught() -> None:
    assert readme_problems(b"x" * README_LIMIT) == []
    assert readme_problems(b"x" * (README_LIMIT + 1))
