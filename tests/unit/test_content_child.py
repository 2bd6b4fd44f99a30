"""The content worker's child process when its replica is gone."""

from __future__ import annotations

import multiprocessing

from newsfeed_indexer.content_worker import _serve


def test_the_child_exits_cleanly_when_its_replica_is_gone() -> None:
    # A replica killed with -9 closes its end of the pipe without sending the stop (None).
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("forkserver").Process(target=_serve, args=(child, None), daemon=True)
    process.start()
    child.close()
    assert parent.poll(60) and parent.recv() == "ready"
    parent.close()
    process.join(30)
    assert process.exitcode == 0  # 1, with a traceback in the log, when EOFError escaped
