"""A real SSH hop to this machine for the listening tests and the listening benchmark.

``start_sshd(folder)`` starts an sshd on a free local port that lets this user in with a
throwaway key (made in ``folder``) and returns the ``ssh`` command line that reaches it; where sshd,
ssh or ssh-keygen is missing, or sshd will not start, it returns why instead. The ``sshd``
fixture skips with that reason. Nothing in the user's own SSH setup is read or changed: the host
key, the client key, the authorized keys and the known hosts all live in ``folder``.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 15.0


@dataclass
class Sshd:
    """A running throwaway sshd and the ``ssh`` command (up to the host) that reaches it."""

    process: subprocess.Popen[bytes]
    ssh: list[str]
    log: Path

    def stop(self) -> None:
        """Stop the daemon (sessions it started end with their connections)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    """Whether something answers with an SSH banner on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as conn:
            conn.settimeout(2.0)
            return conn.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def start_sshd(folder: Path) -> Sshd | str:
    """An sshd on a free port letting this user in with a key made in ``folder``, or why not."""
    daemon = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(daemon).exists() or shutil.which("ssh") is None:
        return "sshd or ssh is not installed (.ci/run installs openssh-server)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen is not installed (.ci/run installs openssh-client)"
    keys = folder / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)],
                       check=True)  # fmt: skip
    (keys / "authorized").write_text((keys / "user.pub").read_text())
    port = _free_port()
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized'}\nStrictModes no\nUsePAM no\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        f"PidFile {keys / 'sshd.pid'}\nAcceptEnv XDG_RUNTIME_DIR\n"
    )
    with contextlib.suppress(OSError):  # privilege separation wants it; a non-root sshd does not
        Path("/run/sshd").mkdir(exist_ok=True)
    log = keys / "sshd.log"
    with log.open("wb") as err:
        server = subprocess.Popen([daemon, "-D", "-e", "-f", str(config)], stderr=err)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _accepts(port):
        if server.poll() is not None or time.monotonic() > deadline:
            if server.poll() is None:
                server.kill()
                server.wait(timeout=10)
            return f"sshd would not start: {log.read_text(errors='replace')[-300:]}"
        time.sleep(0.05)
    ssh = [
        "ssh", "-p", str(port), "-i", str(keys / "user"), "-o", "StrictHostKeyChecking=no",
        "-o", f"UserKnownHostsFile={keys / 'known'}", "-o", "BatchMode=yes",
        "-o", "LogLevel=ERROR", "127.0.0.1",
    ]  # fmt: skip
    return Sshd(server, ssh, log)


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[list[str]]:
    """The ``ssh`` command line (up to the host) of a throwaway local sshd; skipped without."""
    started = start_sshd(tmp_path)
    if isinstance(started, str):
        pytest.skip(started)
    try:
        yield started.ssh
    finally:
        started.stop()
