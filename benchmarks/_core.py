"""What the workload modules share: the ``Case`` record, backend loading, peak-memory probes.

A workload module defines:

* ``NAME`` and ``DESCRIPTION``;
* ``cases(config, backends)``: a list of ``Case`` - one timed callable per
  (measured thing, backend). The harness calls each ``run()`` once to warm up and
  then ``repeats`` times, interleaved with the other backends' cases;
* ``quality(results, config)``: from ``{(case, backend): value returned by the last run}``
  to ``{(case, backend): text}`` for the table's quality column;
* optionally ``probes(config, backends)`` and ``run_probe(probe, backend, config)``:
  measurements made once each in a fresh subprocess (peak memory, the 1M-op chain).

The harness shows its progress on stderr (``Progress``: tqdm's bar when tqdm is installed, plain lines
otherwise), so that stdout and the files it writes hold only the results.
"""
import importlib
import importlib.util
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Backends in table order. ``numpy`` is the hand-written reference of every ratio.
ALL_BACKENDS = ("numpy", "microtensor", "torch", "sklearn")
FRAMEWORKS = ("microtensor", "torch")  # the ones that run the same PyTorch-style code
COMPILED = "mt-compiled"  # the row of microtensor running the same code through mt.compile


@dataclass
class Config:
    quick: bool = False
    repeats: int = 5
    seed: int = 0


@dataclass
class Case:
    """One timed thing for one backend: ``run()`` does ``per`` units of work and returns a result."""

    workload: str
    name: str
    backend: str
    run: Callable[[], Any]
    per: int = 1
    unit: str = "run"
    note: str = ""
    times: List[float] = field(default_factory=list)
    result: Any = None
    error: str = ""


def say(text):
    """Print a line on stdout without breaking a progress bar drawn on stderr."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(text, flush=True)
    else:
        tqdm.write(text, file=sys.stdout)


class Progress:
    """A progress bar on stderr over ``total`` timed runs: tqdm's if installed, else a plain line at most every
    ``interval`` seconds. A ticker thread redraws it every second, so a run of many seconds still shows its
    clock moving. Use as a context manager; ``step(what)`` names the run about to start, ``advance()`` ends it."""

    def __init__(self, total, desc, unit="run", interval=2.0):
        self.total, self.desc, self.unit, self.interval = total, desc, unit, interval
        self.done, self.what = 0, ""
        self._start = self._last_line = time.perf_counter()
        try:
            from tqdm import tqdm
        except ImportError:
            self._bar = None
        else:
            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=True)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self):
        while not self._stop.wait(1.0):
            self._show()

    def _show(self):
        if self._bar is not None:
            self._bar.refresh()
        elif time.perf_counter() - self._last_line >= self.interval:
            self._line()

    def _line(self):
        self._last_line = time.perf_counter()
        print(f"{self.desc}: {self.unit} {self.done}/{self.total} ({self._last_line - self._start:.0f} s) "
              f"{self.what}".rstrip(), file=sys.stderr, flush=True)

    def step(self, what):
        self.what = what
        if self._bar is not None:
            self._bar.set_postfix_str(what, refresh=False)

    def advance(self):
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        else:
            self._show()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._ticker.join()
        if self._bar is not None:
            self._bar.close()
        else:
            self._line()
        return False


def available_backends():
    """(backends that can run here, ``{backend: reason}`` for those that cannot)."""
    present, missing = [], {}
    for name in ALL_BACKENDS:
        if importlib.util.find_spec(name) is None:  # backend names are their module names
            missing[name] = f"{name} is not installed; its backend is skipped"
        else:
            present.append(name)
    return present, missing


def framework(backend):
    """The module a framework backend's code runs on: ``microtensor`` or ``torch``."""
    return importlib.import_module(backend)


def to_numpy(tensor):
    """A Tensor's values as a numpy array (copied), for microtensor and torch alike."""
    return tensor.detach().numpy().copy()


def peak_rss_mb():
    """This process's peak resident set size in MiB.

    On Linux this is ``VmHWM`` from ``/proc/self/status``: ``getrusage``'s
    ``ru_maxrss`` survives ``fork`` + ``exec``, so in a subprocess started from a
    big parent it reports the parent's peak, not the child's. Elsewhere it is
    ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def run_probe_subprocess(workload, probe, backend, config, timeout=900):
    """Run ``workload.run_probe(probe, backend)`` in a fresh Python; return its dict (or an error dict)."""
    command = [
        sys.executable, "-m", "benchmarks._probe", workload, probe, backend,
        "--seed", str(config.seed),
    ] + (["--quick"] if config.quick else [])
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"probe exited with {done.returncode}: {tail}"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": "probe printed no result"}
    result = json.loads(lines[-1])
    result["wall_s"] = time.perf_counter() - start
    return result


def training_step(lib, loss_of, optimizer, compiled=False):
    """``step(x, y)`` as a PyTorch user writes it: ``loss = loss_of(x, y)``, ``zero_grad()``,
    ``backward()``, ``step()``; returns the loss. ``compiled``: through ``lib.compile``."""
    def step(x, y):
        loss = loss_of(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return lib.compile(step) if compiled else step


def run_epochs(lib, step, inputs, targets, orders, batch):
    """Call ``step`` on each minibatch of ``batch`` rows, in each epoch's order (``orders``)."""
    x_all, y_all = lib.from_numpy(inputs), lib.from_numpy(targets)
    for order in orders:
        index = lib.from_numpy(order)
        x_epoch, y_epoch = x_all[index], y_all[index]
        for start in range(0, len(inputs), batch):
            step(x_epoch[start:start + batch], y_epoch[start:start + batch])


def train_classifier(lib, model, x_train, y_train, x_test, params, orders, lr, momentum, batch, compiled=False):
    """Train ``model`` with ``lib`` (microtensor or torch) as a PyTorch user would: SGD with momentum,
    cross-entropy, minibatches in each epoch's ``orders``, starting from ``params``; ``compiled``: the
    step goes through ``lib.compile``. Returns (test predictions, final parameters) as numpy arrays."""
    nn = lib.nn
    with lib.no_grad():
        for parameter, value in zip(model.parameters(), params):
            parameter.copy_(lib.from_numpy(value))
    optimizer = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    step = training_step(lib, lambda x, y: loss_fn(model(x), y), optimizer, compiled)
    run_epochs(lib, step, x_train, y_train, orders, batch)
    with lib.no_grad():
        predictions = model(lib.from_numpy(x_test)).argmax(dim=1)
    return to_numpy(predictions), [to_numpy(p) for p in model.parameters()]
