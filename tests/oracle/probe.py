"""Check the recording namespace before a long recording (root, NSD; Exim
optional): ``python3 -m tests.oracle.probe``. Prints the interfaces seen
inside, what the system resolver answers for a name only the loopback NSD
knows, and what Exim's dnsdb lookup answers for it."""

from __future__ import annotations

import shutil
import socket

from tests.oracle.netns import exim_namespace, interfaces, recorder_main

ZONES = {"oracle.test": "probe IN A 192.0.2.53\n"}
NAME = "probe.oracle.test"


def probe(_args: list[str]) -> None:
    with exim_namespace(ZONES, broken=(), hosts=True, prefix="acl-probe-") as exim:
        print("interfaces:", " ".join(interfaces()))
        print("resolver:", socket.gethostbyname(NAME))
        if shutil.which(exim.exim):
            r = exim.be(exim.config("primary_hostname = probe.test\n"), "${lookup dnsdb{a=" + NAME + "}}")
            print("exim:", r.stdout.decode("utf-8", "replace").strip())


if __name__ == "__main__":
    recorder_main("tests.oracle.probe", probe)
