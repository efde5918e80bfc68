"""Every code block of README.md and docs/*.md runs, and prints what the page says it prints.

How to write a page so that this test checks it (the same text is in docs/contributing.md):

1. A ```python block is run. The blocks of one page run in order, in one namespace (a
   later block sees the names an earlier one made), in a fresh temporary working
   directory, so files a snippet writes (``model.npz``) never land in the repository.
   Keep them fast (tiny data, few epochs): all pages together must run in ~5 s.
2. Show what a block prints in one of two ways:
   - a doctest session: the block starts with ``>>>``, and the lines after each
     ``>>>`` line are its output;
   - or a script block followed by the line ``<!-- output -->`` and a ```text block
     with exactly what the script prints.
   A script block that prints but quotes nothing fails, so no quoted value goes unchecked.
   Do not write outputs into comments (``print(x)  # tensor(...)``): nothing checks them.
3. ``...`` in an expected output matches any text. Use it for figures that vary from run
   to run (timings, addresses) and say in the prose that they vary.
4. A copy of library source is marked ``<!-- excerpt: microtensor/ops/arithmetic.py -->``
   on the line before its ```python block: it is not run, but it must still appear in
   that file line for line (indentation aside), so the copy cannot go stale.
5. ```bash blocks are not run here. Each command in them must match a rule in
   ``SHELL_COMMANDS`` below, which names the test or CI step that runs it; scripts and
   ``--options`` they mention must exist. A ```text block without the output marker
   (a command's output) is not compared: say where its numbers come from.
6. A block that cannot run here (it needs PyTorch, say) is fenced ```py instead of
   ```python and starts with the line ``# not run: <the reason>``.
7. Relative links must point at files and headings that exist, and pages may not point
   outside the repository (no path that climbs above it, no absolute path of a machine,
   no issue numbers). docs/ops.md is generated
   (``python -m microtensor.ops``) and holds no code; it is skipped.
"""
import os
import re
import shlex

import pytest

from tests.doc_runner import PageSession, parse_blocks

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATED = {"docs/ops.md"}


def pages():
    found = ["README.md"]
    docs = os.path.join(REPO, "docs")
    found += sorted(f"docs/{name}" for name in os.listdir(docs) if name.endswith(".md"))
    return [page for page in found if page not in GENERATED]


def read(page):
    with open(os.path.join(REPO, page), encoding="utf-8") as f:
        return f.read()


def python_blocks():
    params = []
    for page in pages():
        for index, block in enumerate(parse_blocks(read(page))):
            if block.lang == "python":
                params.append(pytest.param(page, index, id=f"{page}:{block.line}"))
    return params


_sessions = {}


@pytest.fixture(scope="module")
def sessions():
    yield _sessions
    for session in _sessions.values():
        session.close()
    _sessions.clear()
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("page, index", python_blocks())
def test_python_block(sessions, page, index):
    if page not in sessions:
        # The whole page runs inside one test, so state a block sets (the default dtype,
        # grad mode) reaches the blocks after it, as it would for a reader.
        session = sessions[page] = PageSession(os.path.join(REPO, page), REPO)
        session.run_through(len(session.blocks) - 1)
    outcome = sessions[page].outcomes[index]
    if not outcome.ok:
        pytest.fail(outcome.message, pytrace=False)


def test_pages_leave_the_repository_alone(sessions):
    """Snippets write into their temporary directory, never into the checkout."""
    leftovers = [name for name in ("model.npz", "ckpt.npz", "evil.pt", "graph.png", "loss.png")
                 if os.path.exists(os.path.join(REPO, name))]
    assert not leftovers, f"files left in the repository root: {leftovers}"


# Each shell command the pages show, and where it is run. A pattern matches the start of a command.
SHELL_COMMANDS = [
    (r"pip install -e '\.\[test\]' && python -m pytest -q$", ".ci/run runs this line literally"),
    (r"pip install -e '\.\[examples\]' && python examples/tutorial\.py", "tests/test_tutorial.py, tests/test_examples.py"),
    (r"pip install ", "the packaging checks in .ci/run"),
    (r"(MT_SLOW=1 )?python -m pytest", "the test suite itself"),
    (r"python examples/\w+\.py", "tests/test_examples.py, test_cnn_example.py, test_char_model_example.py (quick forms)"),
    (r"python -m benchmarks", "tests/test_benchmarks.py (the --quick run)"),
    (r"python -m microtensor\.ops", "tests/test_registry.py (docs/ops.md is fresh)"),
    (r"git (status|diff)", "read-only; nothing to check"),
    (r"ruff |mypy ", ".ci/run"),
]


def shell_commands():
    params = []
    for page in pages():
        for block in parse_blocks(read(page)):
            if block.lang not in ("bash", "sh", "console"):
                continue
            for offset, line in enumerate(block.code.splitlines()):
                command = line.split(" #")[0].strip()
                if command and not command.startswith("#"):
                    params.append(pytest.param(command, id=f"{page}:{block.line + offset}"))
    return params


def unrun_blocks():
    params = []
    for page in pages():
        for block in parse_blocks(read(page)):
            if block.lang in ("py", "python3", "pycon", "ipython"):
                params.append(pytest.param(block.code, id=f"{page}:{block.line}"))
    return params


@pytest.mark.parametrize("code", unrun_blocks())
def test_a_python_block_that_is_not_run_says_why(code):
    assert code.startswith("# not run:"), (
        "a Python block fenced as ```py is not run; fence it ```python, or start it with '# not run: <reason>'")


def options_of(script_paths):
    text = ""
    for path in script_paths:
        with open(os.path.join(REPO, path), encoding="utf-8") as f:
            text += f.read()
    return set(re.findall(r"""["'](--[\w-]+)["']""", text))


def scripts_behind(command):
    """The source files whose argparse options a command's ``--options`` must be among."""
    words = shlex.split(command.split("&&")[-1])
    if "examples" in command:
        script = next(word for word in words if word.startswith("examples/"))
        return [script, "examples/_common.py"]
    if "benchmarks" in command:
        folder = os.path.join(REPO, "benchmarks")
        return [f"benchmarks/{name}" for name in os.listdir(folder) if name.endswith(".py")]
    return []


@pytest.mark.parametrize("command", shell_commands())
def test_shell_command_is_covered(command):
    rules = [where for pattern, where in SHELL_COMMANDS if re.match(pattern, command)]
    assert rules, (f"the shell command {command!r} is not run by any test; add a rule to SHELL_COMMANDS in "
                   f"tests/test_docs.py naming the test that runs it")
    scripts = scripts_behind(command)
    for script in scripts:
        assert os.path.isfile(os.path.join(REPO, script)), f"{command!r} names {script}, which does not exist"
    if scripts:
        options = options_of(scripts)
        words = shlex.split(command.split("&&")[-1])
        for word in words:
            option = word.split("=")[0]
            if option.startswith("--"):
                if option.startswith("--no-") and f"--{option[5:]}" in options:
                    continue  # argparse.BooleanOptionalAction makes --no-X from --X
                assert option in options, f"{command!r}: {option} is not an option of {scripts[0]}"


LINK = re.compile(r"\]\(([^)#\s]*)(#[^)\s]*)?\)")


def prose_of(text):
    """The text without its fenced code blocks and inline code, where ``](`` is code, not a link."""
    text = re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors_of(text):
    """The anchors GitHub makes for a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", prose_of_keeping_headings(text), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def prose_of_keeping_headings(text):
    return re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M)


@pytest.mark.parametrize("page", pages() + sorted(GENERATED))
def test_relative_links_point_at_files(page):
    folder = os.path.dirname(os.path.join(REPO, page))
    missing = []
    for target, anchor in LINK.findall(prose_of(read(page))):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        path = os.path.normpath(os.path.join(folder, target)) if target else os.path.join(REPO, page)
        if not os.path.exists(path):
            missing.append(target)
        elif anchor and path.endswith(".md"):
            with open(path, encoding="utf-8") as f:
                if anchor[1:] not in anchors_of(f.read()):
                    missing.append(target + anchor)
    assert not missing, f"{page} links to files or headings that do not exist: {sorted(set(missing))}"


def test_readme_starts_with_the_commands_ci_runs():
    """The README's second command is one .ci/run runs literally, so a newcomer runs what CI runs."""
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as f:
        ci_lines = [line.strip() for line in f.read().splitlines()]
    first_block = parse_blocks(read("README.md"))[0]
    assert first_block.lang == "bash" and first_block.line == 4, "the README must open with its two commands"
    install_examples, install_tests = first_block.code.splitlines()[:2]
    assert install_examples.startswith("pip install -e '.[examples]' && python examples/tutorial.py")
    command = install_tests.split("  #")[0].rstrip()
    assert command == "pip install -e '.[test]' && python -m pytest -q"
    assert command in ci_lines, f".ci/run no longer runs the README's second command {command!r}"


# Absolute paths of a machine: the folders a checkout typically sits in, and the one this one sits in.
MACHINE_PATHS = r"(?<![\w.~])/(?:work|tmp|root|home|Users|mnt)/|" + re.escape(os.path.dirname(REPO) + os.sep)


@pytest.mark.parametrize("page", pages())
def test_pages_point_only_inside_the_repository(page):
    """A reader has the repository and nothing else: no folders beside it, no internal notes or issue numbers."""
    text = read(page)
    for pattern in (r"DESIGN\.md", r"\bissues? #?\d+", MACHINE_PATHS):
        found = re.search(pattern, text, flags=re.I)
        assert found is None, f"{page} mentions {found.group(0)!r}, which a reader of the repository cannot follow"
    folder = os.path.dirname(os.path.join(REPO, page))
    for climb in re.finditer(r"(?<![\w/])(?:\.\./)+[\w.-]*", text):
        target = os.path.normpath(os.path.join(folder, climb.group(0)))
        assert target == REPO or target.startswith(REPO + os.sep), (
            f"{page} points to {climb.group(0)!r}, outside the repository, which a reader does not have")


# The runner itself: each way a page can go wrong must fail.
RUNNER_CASES = {
    "wrong output": ("```python\nprint(1 + 1)\n```\n\n<!-- output -->\n```text\n3\n```\n", "differs"),
    "unquoted print": ("```python\nprint('hello')\n```\n", "quotes none"),
    "doctest mismatch": ("```python\n>>> 1 + 1\n3\n```\n", "doctest failed"),
    "raises": ("```python\nraise ValueError('boom')\n```\n", "ValueError: boom"),
    "stale excerpt": ("<!-- excerpt: tests/doc_runner.py -->\n```python\ndef no_such_function():\n```\n",
                      "no longer appears"),
}


@pytest.mark.parametrize("case", sorted(RUNNER_CASES))
def test_the_runner_catches(tmp_path, case):
    text, message = RUNNER_CASES[case]
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    session = PageSession(str(page), REPO)
    try:
        outcome = session.run_through(0)
    finally:
        session.close()
    assert not outcome.ok and message in outcome.message, outcome.message


def test_the_runner_shares_a_namespace_and_ignores_varying_figures(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nimport os\nx = 41\nopen('made.txt', 'w').close()\n```\n\n"
                    "```python\n>>> x + 1\n42\n```\n\n"
                    "```python\nprint(f'took {os.getpid()} s')\n```\n\n<!-- output -->\n```text\ntook ... s\n```\n",
                    encoding="utf-8")
    session = PageSession(str(page), REPO)
    try:
        outcomes = [session.run_through(index) for index in range(3)]
        assert os.path.exists(os.path.join(session.workdir.name, "made.txt"))
    finally:
        session.close()
    assert all(outcome.ok for outcome in outcomes), [outcome.message for outcome in outcomes]
    assert not os.path.exists(os.path.join(REPO, "made.txt"))
