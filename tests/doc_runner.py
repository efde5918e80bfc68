"""Run the code blocks of a Markdown page and compare what they print with what the page quotes.

The convention (also in ``docs/contributing.md``):

* A fenced ```` ```python ```` block is **run**. The blocks of one page run in order, in one
  namespace, with a fresh temporary directory as the working directory, so a snippet
  that writes ``model.npz`` leaves nothing in the repository.
* A block whose first line starts with ``>>>`` is a doctest session: each ``>>>`` line
  runs and the lines under it are what it must print.
* Any other python block may be followed by its printed output: the comment line
  ``<!-- output -->`` and then a ```` ```text ```` block. What the block prints must match it
  exactly (trailing spaces and trailing blank lines aside). A python block that prints
  something must quote it, so no printed value goes unchecked.
* In both kinds of expected output, ``...`` stands for any text (doctest's ELLIPSIS):
  use it for figures that vary from run to run, such as timings.
* ``<!-- excerpt: path/in/repo.py -->`` before a python block marks a copy of source code: it
  is not run, and it must appear, line for line (indentation aside), in that file.
* Other blocks (```` ```bash ````, ```` ```text ```` without the marker, ```` ```py ```` starting with
  ``# not run: <reason>``) are not run; ``tests/test_docs.py`` checks each shell command names a test
  that runs it.
"""
import contextlib
import doctest
import io
import os
import re
import tempfile
import textwrap
import traceback
from dataclasses import dataclass, field
from typing import List, Optional

OUTPUT_MARK = "<!-- output -->"
EXCERPT_MARK = re.compile(r"<!--\s*excerpt:\s*(\S+)\s*-->")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
FLAGS = doctest.ELLIPSIS


@dataclass
class Block:
    """One fenced code block: its language, text, and the 1-based line of its first code line."""

    lang: str
    code: str
    line: int
    expected: Optional[str] = None      # the quoted output, for a python block followed by an output block
    excerpt_of: Optional[str] = None    # the source file a python excerpt is copied from


@dataclass
class Outcome:
    ok: bool
    message: str = ""


def parse_blocks(text: str) -> List[Block]:
    """All fenced blocks of a Markdown text, with output blocks attached to the python block before them."""
    lines = text.splitlines()
    blocks: List[Block] = []
    i = 0
    pending_output = False
    pending_excerpt = None
    while i < len(lines):
        stripped = lines[i].strip()
        fence = FENCE.match(lines[i])
        if fence is None:
            if stripped == OUTPUT_MARK:
                pending_output = True
            elif EXCERPT_MARK.fullmatch(stripped):
                pending_excerpt = EXCERPT_MARK.fullmatch(stripped).group(1)
            elif stripped:
                pending_output, pending_excerpt = False, None
            i += 1
            continue
        indent, lang = fence.group(1), fence.group(2)
        body_start = i + 1
        j = body_start
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        if j == len(lines):
            raise ValueError(f"line {i + 1}: a code block opened here is never closed")
        body = textwrap.dedent("\n".join(line[len(indent):] if line.startswith(indent) else line
                                         for line in lines[body_start:j]))
        if pending_output:
            if lang != "text" or not blocks or blocks[-1].lang != "python" or blocks[-1].expected is not None:
                raise ValueError(f"line {i + 1}: {OUTPUT_MARK} must sit between a python block and a text block")
            blocks[-1].expected = body
        else:
            blocks.append(Block(lang, body, body_start + 1, excerpt_of=pending_excerpt if lang == "python" else None))
        pending_output, pending_excerpt = False, None
        i = j + 1
    return blocks


def _normalise(output: str) -> str:
    """Trailing spaces of each line and trailing blank lines do not count."""
    return "\n".join(line.rstrip() for line in output.rstrip().splitlines()) + "\n"


def _compile(block: Block, path: str):
    # Pad with blank lines so that a traceback names the Markdown file and its real line.
    return compile("\n" * (block.line - 1) + block.code, path, "exec")


@dataclass
class PageSession:
    """Runs the blocks of one page in order, in one namespace, in a temporary directory."""

    path: str
    repo_root: str
    blocks: List[Block] = field(default_factory=list)
    outcomes: List[Outcome] = field(default_factory=list)

    def __post_init__(self):
        with open(self.path, encoding="utf-8") as f:
            self.blocks = parse_blocks(f.read())
        self.name = os.path.relpath(self.path, self.repo_root)
        self.namespace = {"__name__": "__doc_snippet__"}
        self.workdir = tempfile.TemporaryDirectory(prefix="microtensor-docs-")

    def run_through(self, index: int) -> Outcome:
        """Run every block up to ``index`` not yet run; return the outcome of block ``index``."""
        while len(self.outcomes) <= index:
            block = self.blocks[len(self.outcomes)]
            earlier = [b.line for b, o in zip(self.blocks, self.outcomes) if not o.ok and b.lang == "python"
                       and b.excerpt_of is None]
            if earlier and block.lang == "python" and block.excerpt_of is None:
                outcome = Outcome(False, f"not run: the block at line {earlier[0]} failed first")
            else:
                outcome = self._run(block)
            self.outcomes.append(outcome)
        return self.outcomes[index]

    def close(self):
        self.workdir.cleanup()

    def _run(self, block: Block) -> Outcome:
        if block.lang != "python":
            return Outcome(True, "not run")
        if block.excerpt_of is not None:
            return check_excerpt(block, self.repo_root, self.name)
        previous = os.getcwd()
        os.chdir(self.workdir.name)
        try:
            if block.code.lstrip().startswith(">>>"):
                return self._run_doctest(block)
            return self._run_script(block)
        finally:
            os.chdir(previous)

    def _run_script(self, block: Block) -> Outcome:
        stdout = io.StringIO()
        try:
            with contextlib.redirect_stdout(stdout):
                exec(_compile(block, self.path), self.namespace)
        except Exception:
            return Outcome(False, f"{self.name}:{block.line}: the block raised\n{traceback.format_exc()}")
        got = stdout.getvalue()
        if block.expected is None:
            if got.strip():
                return Outcome(False, f"{self.name}:{block.line}: the block prints output but the page quotes none; "
                                      f"add {OUTPUT_MARK} and a text block after it:\n{got}")
            return Outcome(True)
        checker = doctest.OutputChecker()
        want = _normalise(block.expected)
        if checker.check_output(want, _normalise(got), FLAGS):
            return Outcome(True)
        example = doctest.Example(block.code, want)
        return Outcome(False, f"{self.name}:{block.line}: printed output differs from the quoted output\n"
                              + checker.output_difference(example, _normalise(got), FLAGS))

    def _run_doctest(self, block: Block) -> Outcome:
        parser = doctest.DocTestParser()
        test = parser.get_doctest(block.code, {}, os.path.basename(self.path), self.path, block.line - 1)
        test.globs = self.namespace  # get_doctest copies the namespace; the page's blocks share one
        report = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=FLAGS | doctest.REPORT_ONLY_FIRST_FAILURE)
        result = runner.run(test, out=report.write, clear_globs=False)
        if result.failed:
            return Outcome(False, f"{self.name}:{block.line}: doctest failed\n{report.getvalue()}")
        return Outcome(True)


def check_excerpt(block: Block, repo_root: str, page: str) -> Outcome:
    """An excerpt must appear in its source file as consecutive lines (a common indent aside)."""
    source_path = os.path.join(repo_root, block.excerpt_of)
    if not os.path.isfile(source_path):
        return Outcome(False, f"{page}:{block.line}: the excerpt names {block.excerpt_of}, which does not exist")
    with open(source_path, encoding="utf-8") as f:
        source = f.read().splitlines()
    wanted = textwrap.dedent(block.code).strip("\n").splitlines()
    for start in range(len(source) - len(wanted) + 1):
        if textwrap.dedent("\n".join(source[start:start + len(wanted)])).splitlines() == wanted:
            return Outcome(True)
    return Outcome(False, f"{page}:{block.line}: this excerpt no longer appears in {block.excerpt_of}; copy it again")
