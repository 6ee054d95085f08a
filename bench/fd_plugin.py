"""A pytest plugin: open file descriptors of the test process after each test (issue 23).

    PYTHONPATH=bench .venv/bin/python -m pytest -q -p no:cacheprovider -p fd_plugin

Writes ``bench/out/fds.txt`` (``count test-id`` a line) and prints the peak and the count at
``test_repl.py::test_interactive_prompt``: prompt_toolkit's ``select()`` cannot watch a pipe at
fd >= 1024, so the suite must stay well below that (docs/BENCHMARKS.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("out") / "fds.txt"
_counts: list[tuple[int, str]] = []


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "teardown":
        _counts.append((sum(1 for _ in Path("/proc/self/fd").iterdir()), report.nodeid))


def pytest_sessionfinish(session: Any) -> None:
    if not _counts:
        return
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("".join(f"{n} {node}\n" for n, node in _counts), encoding="utf-8")
    peak = max(_counts)
    repl = [n for n, node in _counts if node.endswith("test_repl.py::test_interactive_prompt")]
    print(f"\nopen descriptors: peak {peak[0]} ({peak[1]}); at test_interactive_prompt: "
          f"{repl[0] if repl else '-'}")
