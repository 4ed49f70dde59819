"""Work that takes a while after an update (a ZIP of a unit's documents):
built in a worker thread from what the update read, while the person sees
a count that grows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flows.messages import Msg

# Seconds between two updates of the count (Telegram allows about one edit a second per chat).
PROGRESS_EVERY = 2.0


@dataclass(frozen=True, slots=True)
class Job:
    total: int
    filename: str
    # Builds the file, telling its argument how many of `total` are done.
    build: Callable[[Callable[[int], None]], bytes]

    def progress(self, done: int) -> Msg:
        return Msg("job.progress", {"done": done, "total": self.total})

    def finished(self) -> Msg:
        return Msg("job.done", {"total": self.total})


async def run_job(job: Job, show: Callable[[int], Awaitable[None]], every: float = PROGRESS_EVERY) -> bytes:
    """The job's file, built beside the event loop; `show(done)` is awaited
    every `every` seconds while the count has moved."""
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done = n

    task = asyncio.ensure_future(asyncio.to_thread(job.build, progress))
    shown = 0
    while True:
        finished, _ = await asyncio.wait({task}, timeout=every)
        if finished:
            return task.result()
        if done != shown:
            shown = done
            await show(done)
