"""How this process's memory is laid out for the scan: glibc's malloc told which blocks to map on their
own (returned to the system when freed) and which to keep on its heap (reused without page faults)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# A worker's blocks come from its heap, reused block after block: mapping each one anew and touching its
# pages cost a 1M-line day a fifth of its time (116,000 page faults, 28,000 from the heap), for 10 MB.
WORKER_MAPPED = 32 << 20


@contextmanager
def blocks_on_heap() -> Iterator[None]:
    """While this process scans a source itself, or reads a stream for the workers: its blocks on
    its heap, as a worker's are (a block mapped anew costs a page fault on each first touch of its
    pages: 115,000 faults for a 1M-line day in one process, 41,000 on the heap, for 13 MB more);
    then mapped again, as the console script has them, for what correlation and reports hold."""
    map_large_blocks(WORKER_MAPPED)
    try:
        yield
    finally:
        map_large_blocks()


def map_large_blocks(threshold: int = 128 << 10) -> bool:
    """Ask glibc to give every allocation over `threshold` its own mapping, returned to the system
    when freed. By default glibc raises that threshold to the size of the largest block freed (4 MB
    read blocks and pieces), and later blocks then come from the heap, which keeps what it held: 20
    to 40 MB of peak RSS on this machine (a 40 MB file with 2 jobs: 111 -> 87 MB). The console
    script's process maps its blocks but while it scans or reads (blocks_on_heap); workers do not
    (WORKER_MAPPED). Elsewhere than glibc a no-op.

    The heap also keeps up to `threshold` bytes free at its top (M_TRIM_THRESHOLD): with the mmap
    threshold set by hand glibc leaves its trim threshold at 128 KiB, so each block freed at the top
    went back to the system and the next one faulted its pages in again (a 5M-line day: 204,000
    page faults from a file, 651,000 from a pipe; 55,000 and 46,000 with both thresholds alike)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc (macOS, Windows)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, threshold))


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_M_TRIM_THRESHOLD = -1
