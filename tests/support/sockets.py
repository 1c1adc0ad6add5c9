"""The sockets a tree of processes holds, read from /proc (Linux): where they listen and
what they are connected to."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import typing as t
from pathlib import Path

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Protocol = t.Literal["tcp", "tcp6", "udp", "udp6"]
PROTOCOLS: tuple[Protocol, ...] = ("tcp", "tcp6", "udp", "udp6")
# /proc/net states (include/net/tcp_states.h); an unconnected UDP socket shows as CLOSE.
ESTABLISHED, CLOSE, LISTEN = "01", "07", "0A"


@dataclasses.dataclass(frozen=True)
class Socket:
    pid: int
    process: str
    protocol: Protocol
    state: str
    local: tuple[Address, int]
    remote: tuple[Address, int]

    @property
    def listening(self) -> bool:
        if self.protocol.startswith("tcp"):
            return self.state == LISTEN
        return self.state == CLOSE and self.local[1] != 0

    @property
    def connected(self) -> bool:
        return self.state == ESTABLISHED

    def __str__(self) -> str:
        local, remote = (_show(*end) for end in (self.local, self.remote))
        return f"{self.process}[{self.pid}] {self.protocol} {local} -> {remote}"


def _show(address: Address, port: int) -> str:
    if isinstance(address, ipaddress.IPv4Address):
        return f"{address}:{port}"
    mapped = address.ipv4_mapped
    return f"[::ffff:{mapped}]:{port}" if mapped else f"[{address}]:{port}"


def is_loopback(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def process_tree(root: int) -> set[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree = {root}
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return tree


def _address(field: str) -> tuple[Address, int]:
    host, port = field.split(":")
    raw = bytes.fromhex(host)
    # The kernel prints each 32-bit word in host byte order (little-endian here).
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(packed), int(port, 16)


def _socket_table() -> dict[int, tuple[Protocol, str, tuple[Address, int], tuple[Address, int]]]:
    table = {}
    for protocol in PROTOCOLS:
        lines = Path(f"/proc/net/{protocol}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
            table[inode] = (protocol, state, _address(local), _address(remote))
    return table


def sockets_of(pids: t.Iterable[int]) -> list[Socket]:
    """The IP sockets the processes ``pids`` hold open (one entry per process and socket)."""
    table = _socket_table()
    found = []
    for pid in pids:
        try:
            process = Path(f"/proc/{pid}/comm").read_text().strip()
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:  # the process is gone
            continue
        for descriptor in descriptors:
            try:
                link = os.readlink(descriptor)
            except OSError:  # closed meanwhile
                continue
            if link.startswith("socket:[") and int(link[8:-1]) in table:
                protocol, state, local, remote = table[int(link[8:-1])]
                found.append(Socket(pid, process, protocol, state, local, remote))
    return sorted(set(found), key=str)
