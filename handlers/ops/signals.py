"""Wait for SIGTERM (what Heroku, Kubernetes and systemd send to stop a process) or SIGINT.

Python's default for SIGTERM ends the process on the spot, with no ``finally`` run: no
in-flight request finished, no background post drained. Turning both signals into an event
lets ``serve`` and ``worker`` shut down in order instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

log = logging.getLogger("handoff")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def until_signalled() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    installed = []
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still raises KeyboardInterrupt
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
    try:
        await stop.wait()
        log.info("%s received: shutting down", received[0])
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
