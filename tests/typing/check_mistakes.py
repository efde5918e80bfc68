"""mypy must reject every line of ``mistakes.py`` that ends in an ``error:`` comment, and no other line.

Run from the repository root (``.ci/run`` does): ``python tests/typing/check_mistakes.py``.
It uses ``mypy.ini`` (and its cache) with ``mistakes.py`` in place of the files listed there,
so a check that passes proves the hints are strict enough to catch these mistakes.
"""
import pathlib
import re
import sys

from mypy import api

MISTAKES = pathlib.Path(__file__).with_name("mistakes.py")


def marked_lines():
    lines = MISTAKES.read_text().splitlines()
    return {number for number, line in enumerate(lines, start=1) if re.search(r"\S.*#\s*error:", line)}


def reported_lines(report):
    pattern = re.compile(rf"^{re.escape(str(MISTAKES.relative_to(pathlib.Path.cwd())))}:(\d+): error:", re.M)
    return {int(number) for number in pattern.findall(report)}


def main():
    stdout, stderr, _ = api.run(["--config-file", "mypy.ini", str(MISTAKES.relative_to(pathlib.Path.cwd()))])
    marked, reported = marked_lines(), reported_lines(stdout)
    missed, unexpected = sorted(marked - reported), sorted(reported - marked)
    if stderr or missed or unexpected:
        print(stdout + stderr)
        print(f"check_mistakes: mypy passed marked lines {missed}; reported unmarked lines {unexpected}")
        return 1
    print(f"check_mistakes: mypy rejects all {len(marked)} marked mistakes in {MISTAKES.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
