"""Run the real command in a child process and measure what it cost, with ``resource``.

The child runs ``chokepoint ARGS`` in a wrapper that caps its address space (so a test that
fails cannot take the machine down) and reports the CPU time (``getrusage``) and peak resident
memory (``VmHWM``) the command used, as the kernel counted them, not by wall clock alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CPU_SECONDS = 5.0
MEMORY_BYTES = 512 * 1024 * 1024
_CAP = 2 * 1024 * 1024 * 1024  # the safety net; the assertion is on MEMORY_BYTES

_WRAPPER = """
import json, resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
report, sys.argv = sys.argv[1], ["chokepoint", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("ui.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
except MemoryError:
    code = "MemoryError"
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # ru_maxrss survives exec: it starts at the forking parent's size (a long pytest run is
    # hundreds of MiB).  The peak of this program's own memory is VmHWM, which exec resets.
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(report, "w") as out:
        json.dump({{"code": code, "cpu": usage.ru_utime + usage.ru_stime,
                   "maxrss": peak * 1024}}, out)
"""


@dataclass(frozen=True)
class Bounded:
    code: int | str
    stdout: str
    stderr: str
    cpu: float
    memory: int

    def assert_refused_in_bounds(self, *fragments: str) -> None:
        """Exit 2, one clear message naming ``fragments``, within the CPU and memory bounds."""
        assert self.code == 2, (self.code, self.stderr[-2000:])
        assert "internal error" not in self.stderr and "Traceback" not in self.stderr
        for fragment in fragments:
            assert fragment in self.stderr, (fragment, self.stderr[-2000:])
        assert self.cpu < CPU_SECONDS, f"{self.cpu:.1f} s of CPU"
        assert self.memory < MEMORY_BYTES, f"{self.memory / 2**20:.0f} MiB"


def run_bounded(tmp_path: Path, *args: str, timeout: float = 120.0,
                env: dict[str, str] | None = None) -> Bounded:
    report = tmp_path / f"usage-{os.getpid()}-{len(list(tmp_path.glob('usage-*')))}.json"
    child_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    try:
        done = subprocess.run([sys.executable, "-c", _WRAPPER.format(cap=_CAP), str(report),
                               *args], capture_output=True, text=True, timeout=timeout,
                              env=child_env, cwd=tmp_path, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"still running after {timeout:.0f} s: {args}") from exc
    if not report.exists():
        raise AssertionError(f"the command died (exit {done.returncode}): {done.stderr[-2000:]}")
    usage = json.loads(report.read_text())
    return Bounded(usage["code"], done.stdout, done.stderr, usage["cpu"], usage["maxrss"])
