"""The servers the load test starts, as processes: started in their own process group, stopped
whole, and what they listen on, read from /proc (no psutil here)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A server in a process group of its own, so that it and everything it starts can be stopped together."""
    with open(log, "w") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def group(pgid: int) -> dict[int, float]:
    """The live processes of a process group, each with the CPU seconds it and its reaped children used."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # fields[0] is stat(5)'s third field, the state
        except OSError:
            continue
        if int(fields[2]) == pgid and (fields[0] != "Z" or _threads_left(stat.parent)):  # utime, stime, cutime, cstime
            found[int(stat.parent.name)] = sum(int(ticks) for ticks in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return found


def _threads_left(process: Path) -> bool:
    """A zombie leader whose other threads are still exiting: they hold its files, listening sockets too."""
    for task in (process / "task").glob("*/stat"):
        try:
            if task.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                return True
        except OSError:
            continue
    return False


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM to the group's leader (`dagster dev` then stops its webserver, daemon and code servers and
    removes their sockets); whatever of the group is still there after `grace` seconds is SIGKILLed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while (process.poll() is None or group(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    if group(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 30  # until the kernel has torn down every SIGKILLed process
    while group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # /proc/net/tcp{,6} print addresses as 32-bit words in the host's (little-endian) byte order.
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return f"{socket.inet_ntop(socket.AF_INET if len(packed) == 4 else socket.AF_INET6, packed)}:{int(port, 16)}"


def listening(pids: list[int] | None = None) -> list[str]:
    """Listening TCP sockets as address:port, of these processes only when pids are given."""
    inodes = set()
    for pid in pids or []:
        try:
            inodes |= {os.readlink(fd)[8:-1] for fd in Path(f"/proc/{pid}/fd").iterdir()}  # socket:[inode]
        except OSError:
            continue
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and (pids is None or fields[9] in inodes):  # 0A: LISTEN
                found.add(_address(fields[1]))
    return sorted(found)
