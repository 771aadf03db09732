"""CPU accounting for the PostgreSQL benchmarks, from Linux's /proc: how many CPU seconds each
part of a run used over a measured window (the bot's processes, the PostgreSQL server's, the
benchmark's own, everything else on the machine), and how many cores were busy.

A process's CPU is utime + stime of /proc/<pid>/stat. A process that exits during the window
(a PostgreSQL backend whose connection closed) takes its CPU with it, except into its parent's
cutime + cstime once the parent reaps it: so a group is sampled with its root's reaped
children, and a member that vanished counts as what its parent gained for it minus what it had
at the start. The machine's busy time is /proc/stat's user + nice + system + irq + softirq
(steal, the hypervisor giving our vCPUs to someone else, is shown apart: it is not our work).
Interrupt time (irq + softirq: mostly the loopback network's packets between the processes) is
shown apart too, but it is not a part of the sum: this kernel (CONFIG_TICK_CPU_ACCOUNTING, no
IRQ_TIME_ACCOUNTING) charges an interrupt's tick to the stime of the process it interrupted as
well, so most of it is inside the processes' figures already. "other" is what is left of the
machine's busy time: other processes, interrupts that came while a CPU was idle, and processes
that started and ended inside the window (those are in
the figure but not in the list of other commands: a parent's reaped-children count holds the
whole life of a child that ends, not its share of the window).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")

Key = tuple[int, int]  # (pid, start time in ticks): a pid that is reused is another process


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command (fields[0] is the state), or None."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _comm(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def processes() -> dict[int, list[str]]:
    """Every process now: pid -> its stat fields."""
    out = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            out[int(entry.name)] = fields
    return out


def _ppid(fields: list[str]) -> int:
    return int(fields[1])


def _own(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12])  # utime + stime


def _reaped(fields: list[str]) -> int:
    return int(fields[13]) + int(fields[14])  # cutime + cstime: children waited for


def _start(fields: list[str]) -> int:
    return int(fields[19])


def descendants(root: int, table: dict[int, list[str]]) -> set[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, fields in table.items():
        children.setdefault(_ppid(fields), []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


@dataclass
class GroupSample:
    """One moment of a process group: each live member's own CPU ticks, the root's reaped
    children's, and the ticks of every process under the root (members or claimed by another group)."""

    own: dict[Key, int] = field(default_factory=dict)
    reaped: int = 0
    tree: dict[Key, int] = field(default_factory=dict)


def _key(pid: int, fields: list[str]) -> Key:
    return (pid, _start(fields))


def sample_group(root: int | None, table: dict[int, list[str]], members: set[int]) -> GroupSample:
    sample = GroupSample()
    if root is None or root not in table:
        return sample
    for pid in descendants(root, table):
        sample.tree[_key(pid, table[pid])] = _own(table[pid])
        if pid in members:
            sample.own[_key(pid, table[pid])] = _own(table[pid])
    sample.reaped = _reaped(table[root])
    return sample


def group_ticks(before: GroupSample, after: GroupSample) -> int:
    """CPU ticks the group used between two samples, members that came or went included.
    A process that exits is counted once its parent reaps it: the root's reaped count grows by
    its whole life, less what it had at the first sample (a process under the root that another
    group claimed and that exits inside the window counts here: its share cannot be told apart).
    One reaped by a parent other than the root, say a worker's own child, is missed: the bot's
    and PostgreSQL's are the root's."""
    used = sum(ticks - before.own.get(key, 0) for key, ticks in after.own.items())
    gone = sum(ticks for key, ticks in before.tree.items() if key not in after.tree)
    return used + max(0, after.reaped - before.reaped - gone)


def explicit_group(pids: set[int], table: dict[int, list[str]]) -> GroupSample:
    """A group given as its pids (no tree, no reaped children)."""
    sample = GroupSample()
    for pid in pids & table.keys():
        sample.own[_key(pid, table[pid])] = _own(table[pid])
    return sample


def machine_ticks() -> tuple[int, int, int, int]:
    """(busy, steal, total, irq + softirq) ticks of all CPUs since boot, from /proc/stat's first line."""
    values = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy, steal, busy + steal + idle + iowait, irq + softirq


async def foreign_backends(conn: Any, application_name: str) -> set[int]:
    """The server's client backends whose connection is not tagged `application_name`: other
    programs' (say other test suites on a shared server), counted apart from the server's own."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'"
        " AND application_name IS DISTINCT FROM $1",
        application_name,
    )
    return {int(r[0]) for r in rows}


def postmaster_of(backend_pid: int) -> int | None:
    """The PostgreSQL server process above a backend of it (None if the server is not on this machine)."""
    fields = _stat(backend_pid)
    if fields is None or _comm(backend_pid) != "postgres":
        return None
    parent = _ppid(fields)
    return parent if _comm(parent) == "postgres" else None


@dataclass
class Sample:
    at: float
    machine: tuple[int, int, int, int]
    groups: dict[str, GroupSample]
    rest: dict[Key, tuple[str, int]]  # every other live process: its command and CPU ticks


@dataclass
class Usage:
    """CPU seconds of each part over a window, and the machine's busy cores in it."""

    seconds: float  # wall time of the window
    parts: dict[str, float]  # the groups', and "other": the machine's busy time not in them
    busy_cores: float
    steal_cores: float
    others: list[tuple[str, float]]  # the other processes that used most, by command (seconds)
    irq: float  # seconds of interrupt time, mostly inside the parts already (see above)

    def per_event_ms(self, events: int) -> dict[str, float]:
        return {name: cpu * 1000 / events for name, cpu in self.parts.items()}


class Meter:
    """Samples named process groups and the machine. Each group is given by a function that
    returns its root pid now (None: not running, or not on this machine); the benchmark's own
    process is the group `self_name` unless that is None. Groups in `explicit` are given as pid
    sets at each sample (say other clients' PostgreSQL backends) and are claimed first; then each
    pid belongs to the first group whose tree holds it (the benchmark's process is the parent of
    the bot's)."""

    def __init__(
        self,
        roots: dict[str, Callable[[], int | None]],
        self_name: str | None = "loadgen",
        explicit: tuple[str, ...] = (),
    ) -> None:
        self.roots = dict(roots)
        if self_name is not None:
            self.roots[self_name] = os.getpid
        self.explicit = explicit
        self.names = [*explicit, *self.roots]

    def sample(self, explicit: dict[str, set[int]] | None = None) -> Sample:
        table = processes()
        groups = {}
        claimed: set[int] = set()
        for name in self.explicit:
            pids = (explicit or {}).get(name, set())
            groups[name] = explicit_group(pids, table)
            claimed |= pids
        for name in self.roots:
            root = self.roots[name]()
            members = descendants(root, table) - claimed if root is not None else set()
            groups[name] = sample_group(root, table, members)
            claimed |= members
        rest = {(pid, _start(f)): (_comm(pid), _own(f)) for pid, f in table.items() if pid not in claimed}
        return Sample(time.perf_counter(), machine_ticks(), groups, rest)

    def usage(self, before: Sample, after: Sample) -> Usage:
        parts = {name: group_ticks(before.groups[name], after.groups[name]) / TICK for name in self.names}
        busy = (after.machine[0] - before.machine[0]) / TICK
        steal = (after.machine[1] - before.machine[1]) / TICK
        seconds = after.at - before.at
        parts["other"] = busy - sum(parts.values())
        irq = (after.machine[3] - before.machine[3]) / TICK
        by_command: dict[str, int] = {}
        for key, (command, ticks) in after.rest.items():
            by_command[command] = by_command.get(command, 0) + ticks - before.rest.get(key, ("", 0))[1]
        others = sorted(((c, t / TICK) for c, t in by_command.items() if t > 0), key=lambda ct: -ct[1])
        return Usage(seconds, parts, busy / seconds, steal / seconds, others[:4], irq)


def table(rows: Iterable[tuple[str, Usage, int]], names: list[str]) -> list[str]:
    """Lines of CPU ms per event by part, busy and steal cores, one line per (label, usage, events)."""
    head = f"    {'window':<30}{'wall s':>7}" + "".join(
        f"{n + ' ms/ev':>16}" for n in [*names, "other", "all", "(irq)"]
    )
    lines = [head + f"{'busy cores':>12}{'steal':>7}"]
    for label, usage, events in rows:
        per = usage.per_event_ms(events)
        total = sum(per.values())
        lines.append(
            f"    {label:<30}{usage.seconds:7.2f}"
            + "".join(f"{per[n]:16.3f}" for n in [*names, "other"])
            + f"{total:16.3f}{usage.irq * 1000 / events:16.3f}{usage.busy_cores:12.2f}{usage.steal_cores:7.2f}"
            + (
                "   other: " + ", ".join(f"{c} {t * 1000 / events:.2f}" for c, t in usage.others)
                if usage.others
                else ""
            )
        )
    return lines
