"""N API processes on one port, each listening on a socket of its own (SO_REUSEPORT).

uvicorn's supervisor hands one shared socket to every process. Under a burst the first
process to wake accepts every waiting connection and the others idle, so two processes
answered 200 agents at once slower than one. With a socket per process the kernel spreads
new connections across the processes by their addresses. Each socket stays open in the
supervisor, so a replacement process takes over its slot's waiting connections.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to one address; exits (as uvicorn does) when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        # SO_REUSEPORT would let these join a server already on the port: refuse that first.
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
        return [_reuse_port_socket(family, host, port) for _ in range(count)]
    except OSError as exc:
        logger.error(f"cannot listen on {host}:{port}: {exc}")
        sys.exit(STARTUP_FAILURE)


def _reuse_port_socket(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class SocketPerProcess(Multiprocess):
    """uvicorn's supervisor (restarts, signals, health checks) with one socket per slot."""

    def __init__(self, config: Config, sockets: list[socket.socket]):
        super().__init__(config, sockets=[])
        self.slots = sockets
        self.processes_num = len(sockets)

    def _start(self, slot: int) -> Process:
        process = Process(self.config, [self.slots[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._start(slot) for slot in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung or dead: make sure, then replace it on the same socket
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving (app, settings or socket): every restart would.
                logger.error(f"Child process [{process.pid}] failed to start, stopping.")
                self.should_exit.set()
                return
            logger.info(f"Child process [{process.pid}] died")
            self.processes[slot] = self._start(slot)

    def restart_all(self) -> None:
        """SIGHUP: each slot's replacement serves before its old process is stopped."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck,
                                        self.should_exit):
                new.kill()
                new.join()
                logger.error(f"Child process [{new.pid}] was not ready in time; keeping "
                             f"[{old.pid}] and stopping the restart.")
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        logger.info("SIGTTIN ignored: the number of API processes is --workers")

    def handle_ttou(self) -> None:
        logger.info("SIGTTOU ignored: the number of API processes is --workers")
