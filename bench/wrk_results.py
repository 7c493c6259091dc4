"""What bench/*.sh scripts read back from a measured wrk run (see `measure` in common.sh):
one Round per run, `rounds(work, name, count)` for the rounds of one name, and
`medians(work, name, count)` for what the scripts report of them."""
import os
import re
import statistics
from dataclasses import dataclass

TICK = os.sysconf("SC_CLK_TCK")
UNIT_MS = {"us": 0.001, "ms": 1, "s": 1000}


@dataclass
class Round:
    text: str  # wrk's report
    rps: float
    requests: int
    user_us: float | None  # the measured process's user CPU time per request, if measured
    system_us: float | None
    voluntary: float | None  # its threads' context switches per request: waits for work,
    involuntary: float | None  # and preemptions (the core taken by another process)

    @property
    def cpu_us(self):
        return self.user_us + self.system_us

    def percentile_ms(self, p):
        """A latency percentile from wrk's --latency distribution, in milliseconds."""
        m = re.search(rf"\b{p}%\s+([\d.]+)(us|ms|s)\b", self.text)
        return float(m.group(1)) * UNIT_MS[m.group(2)]

    @property
    def errors(self):
        """Non-2xx/3xx responses and socket errors."""
        count = 0
        e = re.search(r"Non-2xx or 3xx responses: (\d+)", self.text)
        count += int(e.group(1)) if e else 0
        s = re.search(r"Socket errors: .*", self.text)
        count += sum(int(x) for x in re.findall(r"\d+", s.group(0))) if s else 0
        return count


def read(work, name, number):
    text = open(f"{work}/{name}.{number}.txt").read()
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    user = system = None
    if os.path.exists(f"{work}/{name}.{number}.cpu"):
        u0, s0, u1, s1 = map(int, open(f"{work}/{name}.{number}.cpu").read().split())
        user, system = ((ticks / TICK * 1e6 / requests) for ticks in (u1 - u0, s1 - s0))
    voluntary = involuntary = None
    if os.path.exists(f"{work}/{name}.{number}.switches"):
        v0, n0, v1, n1 = map(int, open(f"{work}/{name}.{number}.switches").read().split())
        voluntary, involuntary = (v1 - v0) / requests, (n1 - n0) / requests
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return Round(text, rps, requests, user, system, voluntary, involuntary)


def rounds(work, name, count):
    return [read(work, name, number) for number in range(1, count + 1)]


class Medians:
    """The medians of one name's rounds, figure by figure; errors are summed."""

    def __init__(self, runs):
        self.runs = runs

    def _median(self, figure):
        return statistics.median(figure(r) for r in self.runs)

    rps = property(lambda self: self._median(lambda r: r.rps))
    user_us = property(lambda self: self._median(lambda r: r.user_us))
    system_us = property(lambda self: self._median(lambda r: r.system_us))
    cpu_us = property(lambda self: self._median(lambda r: r.cpu_us))
    voluntary = property(lambda self: self._median(lambda r: r.voluntary))
    involuntary = property(lambda self: self._median(lambda r: r.involuntary))
    errors = property(lambda self: sum(r.errors for r in self.runs))

    def percentile_ms(self, p):
        return self._median(lambda r: r.percentile_ms(p))


def medians(work, name, count):
    return Medians(rounds(work, name, count))
