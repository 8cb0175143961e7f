"""Handing a task to the workers, saying plainly when the task queue (Celery's broker) is down.

Publishing tries the broker briefly (``CELERY_TASK_PUBLISH_RETRY_POLICY``) and then raises
``QueueUnavailable``, which a page or the API answers with 503: a request never hangs on a
broker that is down, and the caller decides what becomes of the run it had queued.
"""

from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

UNREACHABLE = (BrokerError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class QueueUnavailable(Exception):
    """The task was not handed over: the task queue cannot be reached."""


def task_enqueue(task: Any, *args: Any) -> None:
    """Send ``task(*args)`` to the workers (run it here when Celery runs tasks inline).

    Nobody waits for these tasks' results (each records its outcome on its run), so none is
    subscribed to: with Redis as the result store, subscribing alone would retry a lost
    connection for about 20 s. Raises ``QueueUnavailable`` when the broker cannot be reached.
    """
    if task.app.conf.task_always_eager:
        # No broker: the task runs here, and what it raises is its own error, not an outage.
        task.apply_async(args, ignore_result=True)
        return
    try:
        task.apply_async(args, ignore_result=True)
    except UNREACHABLE as exc:
        raise QueueUnavailable(f"{type(exc).__name__}: {exc}") from exc
