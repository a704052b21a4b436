"""Workers: RQ workers (JSON serializer) plus sfn's timer poller, standalone or embedded.

`run_worker` is what `sfn worker` runs in each process: an RQ worker and a `TimerPoller`
thread that fires due timers and expired leases. By default the worker runs jobs in its own
process (`SfnWorker`, RQ's SimpleWorker that also runs the Tasks its jobs claim, see
`engine.runtime.eager`): most of sfn's jobs are short bookkeeping steps, and forking a work
horse per job costs more than the job (a 1,000-item Map runs ~8x faster). `fork=True` gives
each job a work horse of its own (RQ's Worker, no eager Tasks), isolating activities that leak
or crash. `EmbeddedWorker` runs the same loop in a thread of the current process (for `sfn run`).
Every one of them runs only sfn's own job functions (`engine.runtime.allowlist`).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import redis
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.serializers import JSONSerializer
from rq.timeouts import JobTimeoutException, TimerDeathPenalty
from rq.worker import WorkerStatus

from engine.activities import Registry
from engine.runtime import allowlist, dispatch, eager, job_loop, job_start, jobs, tokens
from engine.runtime import config as settings
from engine.runtime.burst import drain
from engine.runtime.config import RuntimeConfig
from engine.runtime.connection import connect
from engine.runtime.runtime import Runtime
from engine.runtime.timers import TimerPoller

log = logging.getLogger("sfn.worker")
RECONNECT_MAX_SECONDS = 2.0
# What a worker's first job would otherwise import (the definition compiler, which `sfn --help`
# leaves out): ~40 ms added to the first Task's latency.
WARM_MODULES = ("engine.definition.compiler",)
# How often a worker running claimed Tasks tells RQ it lives (RQ forgets it after 420 s + 60 s).
HEARTBEAT_SECONDS = 60.0
# RQ beats (3 round trips each) before every dequeue, after it and after every job, all with
# its default time-to-live (worker_ttl + 60 s, 480 s by default) while a dequeue blocks for
# worker_ttl - 15 s at most: a default beat this soon after the last one is left out.
BEAT_AGAIN_SECONDS = 5.0
# The job function of a Task attempt: it records its start with its first trip (`job_start`).
TASK_JOB = allowlist.job_path("run_task")
# Longer than RQ's blocking dequeue (its worker TTL of 420 s less 15 s) plus its margin.
SOCKET_TIMEOUT_SECONDS = 420.0


def listen_queues(queues: Sequence[str], activities: Registry) -> list[str]:
    """What a worker listens on: the internal `sfn` queue, the `queues` it was given (routed
    activities), and the own queue of every activity it runs, so it never takes a task whose
    activity it lacks."""
    own = [dispatch.activity_queue(name) for name in activities.names()]
    return list(dict.fromkeys([dispatch.DEFAULT_QUEUE, *queues, *own]))


def warm_up() -> None:
    """Import now what jobs need, so the first job a worker takes is as quick as the next."""
    for name in WARM_MODULES:
        importlib.import_module(name)


class OnlySfnJobs:
    """A worker mix-in: a job that is not one of sfn's (`allowlist`) is failed, not run, and
    nothing it names is imported. Checked before RQ prepares the job, in this process."""

    connection: redis.Redis

    def execute_job(self, job: Job, queue: Queue) -> None:
        reason = allowlist.refusal(job, getattr(self.job_class, "allowed", allowlist.ALLOWED))
        if reason is None:
            self.run_job(job, queue)
            return
        log.error(
            "refused RQ job %s on queue %s: %s (failed, not run)",
            allowlist.quote(job.id), allowlist.quote(queue.name), reason,
        )  # fmt: skip
        with self.connection.pipeline() as pipe:
            job.set_status(JobStatus.FAILED, pipeline=pipe)
            registry = queue.failed_job_registry
            registry.add(
                job, ttl=dispatch.FAILURE_TTL, exc_string=f"refused: {reason}", pipeline=pipe
            )
            pipe.lrem(queue.intermediate_queue_key, 1, job.id)  # RQ's dequeue parked it there
            pipe.execute()

    def run_job(self, job: Job, queue: Queue) -> None:
        """Run one of sfn's jobs, as RQ's worker class runs any job."""
        super().execute_job(job, queue)  # type: ignore[misc]


class ForkingWorker(OnlySfnJobs, Worker):
    """RQ's forking Worker (`sfn worker --fork`), running only sfn's jobs."""


class SfnWorker(OnlySfnJobs, SimpleWorker):
    """RQ's SimpleWorker that takes sfn's jobs and keeps RQ's records of them in few round
    trips (`job_loop`: under RQ 3, a job costs its pop and its fetch besides its own trips;
    RQ's path took about ten more), and that, once a job's function returns, runs the Tasks
    the job claimed (`eager`) before the job's end is recorded: RQ's bookkeeping would
    otherwise come between a run's Task and the next one it claimed. Claimed Tasks still
    waiting once the job failed (after its commit) run then."""

    def __init__(
        self,
        *args: Any,
        config: RuntimeConfig | None = None,
        activities: Registry | None = None,
        **kwargs: Any,
    ) -> None:
        self._written_state: str | None = None  # the state this worker last wrote to Redis
        super().__init__(*args, **kwargs)
        self.config = config or settings.current()
        self.activities = activities if activities is not None else Registry()
        self._runtime = Runtime(self.connection, config=self.config)  # its claimed Tasks'
        self._beaten = -BEAT_AGAIN_SECONDS  # when this worker last beat with RQ's default TTL
        self._not_suspended = False  # read with the job last fetched: RQ's next check is known
        self._ended: job_loop.Commands | None = None  # the last job's end, sent with a pop
        self._more = False  # jobs were left queued behind the last one taken

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ's heartbeat in one round trip, and none when a default one was just sent.

        A beat with its own TTL (RQ sets the job's while it runs) or inside RQ's pipeline is
        always sent, and makes the next default beat go out too."""
        if timeout is not None or pipeline is not None:
            self._beaten = -BEAT_AGAIN_SECONDS
            super().heartbeat(timeout, pipeline)
            return
        if time.monotonic() - self._beaten < BEAT_AGAIN_SECONDS:
            return
        with self.connection.pipeline(transaction=False) as pipe:
            super().heartbeat(None, pipe)
            pipe.execute()
        self._beaten = time.monotonic()

    def set_state(self, state: str, pipeline: Any = None) -> None:
        """RQ's set_state, without writing again the state last written: RQ writes IDLE after
        each job and again before its next dequeue (only the worker itself writes its state,
        always through here or `job_loop`)."""
        if pipeline is None and state == self._written_state:
            self._state = state
            return
        super().set_state(state, pipeline)
        self._written_state = state

    def check_for_suspension(self, burst: bool) -> None:
        """RQ's check for `rq suspend` before each pop, left out when the trip that fetched
        the last job found workers not suspended (RQ would ask again at once)."""
        if self._not_suspended:
            self._not_suspended = False
            return
        super().check_for_suspension(burst)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """RQ's pop: the next job and its queue, or None once the queues are empty (burst,
        `timeout` None) or the worker was idle `max_idle_time` seconds. Under RQ 3 the pop
        carries the last job's end and the fetch asks whether workers are suspended
        (`job_loop`); a Redis error is retried with RQ's backoff, as RQ does."""
        if not job_loop.LEAN:
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        self.set_state(WorkerStatus.IDLE)
        idle_since, wait = time.monotonic(), 1.0
        while True:
            self.heartbeat()
            if self.should_run_maintenance_tasks:
                self.run_maintenance_tasks()
            block: float | None = timeout
            if timeout is not None and max_idle_time is not None:
                block = min(timeout, max_idle_time - (time.monotonic() - idle_since))
                if block <= 0:
                    return None
            try:
                found = self._take(block)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                with stop_signals_held():
                    self.log.error(
                        "Worker %s: could not connect to Redis instance: %s retrying in %d "
                        "seconds...", self.name, error, wait,
                    )  # fmt: skip
                time.sleep(wait)
                wait = min(wait * self.exponential_backoff_factor, self.max_connection_wait_time)
                continue
            if found is not None or timeout is None:
                return found

    def _take(self, block: float | None) -> tuple[Job, Queue] | None:
        """Pop and read the next job, sending the last job's end along: while jobs were left
        queued behind the last one, in one trip (`job_loop.take_queued`), else a (blocking)
        pop and a fetch."""
        keys = [queue.key for queue in self._ordered_queues]
        ended, self._ended = self._ended, None
        if ended is not None:
            self._beaten = time.monotonic()  # it holds RQ's heartbeat
        taken: job_loop.Taken | str | None = None
        if self._more:
            taken, ended = job_loop.take_queued(self, keys, ended), None
        if taken is None:
            popped = job_loop.pop(self, keys, block, ended)
            if popped is None:
                self._more = False
                return None
            taken = job_loop.fetch(self, keys, *popped)
        if not isinstance(taken, job_loop.Taken):  # SUSPENDED: the job was not taken
            self._more = False
            super().check_for_suspension(block is None)  # wait as RQ's loop would
            return None
        self._more = taken.more
        job = job_loop.job_of(self, taken)
        if job is None:
            return None  # it no longer exists: RQ skips it too
        self._not_suspended = True
        # The worker's own Queue of that key (RQ builds a new one for every job).
        queue = next(queue for queue in self.queues if queue.key == taken.queue_key)
        self.reorder_queues(reference_queue=queue)
        job.redis_server_version = self.get_redis_server_version()
        self.log.info("Worker %s: %s: %s", self.name, queue.name, job.id)
        return job, queue

    def teardown(self) -> None:
        """RQ's teardown, once the last job's end is recorded."""
        if self._ended is not None:
            with self.connection.pipeline(transaction=False) as pipe:
                self._ended(pipe)
                self._ended = None
                pipe.execute()
        super().teardown()

    def run_job(self, job: Job, queue: Queue) -> None:
        most, names = self.config.eager_tasks, self.activities.names()
        with eager.chain(self.queue_names(), self._stopping, most, names) as chain:
            if job_loop.LEAN:
                self._run_lean(job, queue, chain)
                return
            super().run_job(job, queue)
            if chain is not None and chain.pending:
                self.set_state(WorkerStatus.BUSY)
                self._run_claimed(chain)
                self.set_state(WorkerStatus.IDLE)

    def _run_lean(self, job: Job, queue: Queue, chain: eager.Chain | None) -> None:
        """Run `job` under its time limit, then the Tasks it claimed. Its start is recorded
        with its first trip (a Task job's) or in a trip of its own; its end goes with the next
        pop. What stops the claimed Tasks (a stop signal) is raised once the end is recorded."""
        run = job_loop.JobRun(self, job, queue)
        self._state, self._written_state = WorkerStatus.BUSY, None  # a stop waits for the job
        if job.func_name == TASK_JOB:
            sending = job_start.pending(run.start)
        else:
            self._write(run.start)
            sending = contextlib.nullcontext()
        try:
            with (
                sending,
                self.death_penalty_class(
                    job.timeout or self.queue_class.DEFAULT_TIMEOUT,
                    JobTimeoutException,
                    job_id=job.id,
                ),
            ):
                job.perform()
        except:  # noqa: E722  (as RQ's perform_job: any failure is the job's, recorded)
            if run.execution is None:
                self._write(run.start)
            self._finalize_failure(job, queue, run.execution, sys.exc_info())
            if chain is not None and chain.pending:
                self._run_claimed(chain)
            self.set_state(WorkerStatus.IDLE)
            return
        stopped: BaseException | None = None
        if chain is not None and chain.pending:
            try:
                self._run_claimed(chain)
            except BaseException as error:
                stopped = error
        self._ended = run.end
        self._state = self._written_state = WorkerStatus.IDLE  # written with the next pop
        self._beaten = time.monotonic()  # as is RQ's heartbeat
        self.log.info("Worker %s: %s: Job OK (%s)", self.name, job.origin, job.id)
        if stopped is not None:
            raise stopped

    def _write(self, commands: Callable[[Any], Any]) -> None:
        with self.connection.pipeline(transaction=False) as pipe:
            commands(pipe)
            pipe.execute()

    def _stopping(self) -> bool:
        return _stop_requested(self)

    def _run_claimed(self, chain: eager.Chain) -> None:
        """Run claimed Tasks until none is left, each under the time limit RQ would set. A
        Task that fails here is left to its lease, which sends it again once it falls due."""
        beat = time.monotonic()
        while (claimed := chain.take()) is not None:
            job, reads = claimed
            ref = tokens.ref(job["token"])
            if time.monotonic() - beat > HEARTBEAT_SECONDS:
                self.heartbeat()  # RQ's own beat comes between jobs: a long chain needs it too
                beat = time.monotonic()
            limit = self.config.kill_after(job.get("timeout_seconds"))
            try:
                with self.death_penalty_class(limit, JobTimeoutException, job_id=ref):
                    jobs.run_claimed(self._runtime, job, reads, chain)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                log.warning("lost Redis in claimed task %s (%s); its lease resends it", ref, error)
                return
            except Exception:
                log.exception("claimed task %s failed; its lease resends it", ref)
                return


def hide_job_arguments(record: logging.LogRecord) -> bool:
    """RQ attaches a failed job's arguments to its error record for structured log handlers;
    a Task job's arguments hold its token, a secret, so they are left out."""
    for name in ("arguments", "kwargs"):
        if hasattr(record, name):
            setattr(record, name, "(left out: sfn job arguments hold task tokens)")
    return True


def make_worker(
    client: redis.Redis,
    queues: Sequence[str],
    cls: type[Worker] = SfnWorker,
    config: RuntimeConfig | None = None,
    also_allowed: Sequence[str] = (),
    *,
    activities: Registry,
) -> Worker:
    """An RQ worker on `listen_queues(queues, activities)`, running the `activities` it is
    given (its jobs' `jobs.host`), only sfn's job functions and `also_allowed` ones
    (`engine.runtime.allowlist`). Their `@activity(queue=)` routes join `config`'s."""
    config = (config or settings.current()).with_routes(activities.routes())
    jobs.host(activities)
    names = listen_queues(queues, activities)
    logging.getLogger("rq.worker").addFilter(hide_job_arguments)  # added once, however often
    job_class = allowlist.job_class(frozenset(also_allowed))
    options: dict[str, Any] = {}
    if issubclass(cls, SfnWorker):
        options = {"config": config, "activities": activities}
    return cls(
        [
            Queue(name, connection=client, serializer=JSONSerializer, job_class=job_class)
            for name in names
        ],
        connection=client,
        serializer=JSONSerializer,
        job_class=job_class,
        **options,
    )


def run_worker(
    client: redis.Redis,
    queues: Sequence[str] = (),
    *,
    burst: bool = False,
    log_level: str = "INFO",
    fork: bool = False,
    config: RuntimeConfig | None = None,
    activities: Registry,
) -> None:
    """Work until stopped (or, with `burst`, until the queues are empty and no timer of a
    running execution is pending: `engine.runtime.burst`).

    A Redis outage does not end the worker: RQ's loop gives up when Redis drops a command (it
    quits on a timeout, and an error while it finishes a job escapes it), so a new RQ worker
    starts once Redis answers again. The job in hand is delivered again by its watch."""
    cls = ForkingWorker if fork else SfnWorker
    config = (config or settings.current()).with_routes(activities.routes())  # the poller's too
    warm_up()
    rq_worker = make_worker(client, queues, cls, config, activities=activities)
    poller = TimerPoller(client, config).start()
    # RQ installs its signal handlers only once its start-up has talked to Redis; until then
    # (or when Redis fails mid start-up) a stop signal must still end the worker cleanly.
    signal.signal(signal.SIGTERM, _stop_now)
    signal.signal(signal.SIGINT, _stop_now)
    signal.signal(signal.SIGHUP, _terminate_on_hang_up)
    try:
        while True:
            try:
                if burst:
                    _burst(rq_worker, client, log_level, config.timer_poll)
                    return
                rq_worker.work(logging_level=log_level)
                if _stop_requested(rq_worker):
                    return
            except (redis.ConnectionError, redis.TimeoutError) as error:
                if _stop_requested(rq_worker):
                    return  # told to stop while Redis was away: nothing left to finish
                log.warning("lost Redis (%s); working again once it answers", error)
            _await_redis(client)
            rq_worker = make_worker(client, queues, cls, config, activities=activities)
    except StopRequested:
        return  # a stop signal while waiting for Redis (RQ's handler raises it)
    finally:
        poller.stop()


def _burst(rq_worker: Worker, client: redis.Redis, log_level: str, poll: float) -> None:
    """Work until the queues are empty and no timer of a running execution is pending."""
    drain(
        lambda: rq_worker.work(burst=True, logging_level=log_level),
        lambda: any(queue.count for queue in rq_worker.queues),
        client,
        lambda: _stop_requested(rq_worker),
        poll,
    )


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Stop signals wait until a log line is written: RQ's handler raises StopRequested, and one
    raised inside logging's emit is swallowed by logging (printed as a logging error), so the
    stop would be lost until the next Redis error (seconds later in an outage's backoff)."""
    held = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _terminate_on_hang_up(_signum: int, _frame: object) -> None:
    """A closed terminal (SIGHUP) stops the worker as SIGTERM does (RQ's warm shutdown, or
    `_stop_now`), so it finishes its job and releases the embedded server's lease, instead of
    dying at once as Python's default would."""
    os.kill(os.getpid(), signal.SIGTERM)


def _stop_now(signum: int, _frame: object) -> None:
    raise StopRequested(f"signal {signum}")


def _stop_requested(rq_worker: Worker) -> bool:
    """Whether the worker was told to stop (a signal or a command), not cut off from Redis."""
    return rq_worker._stop_requested or rq_worker._shutdown_requested_date is not None


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError):
        return False


def _await_redis(client: redis.Redis) -> None:
    """Block until Redis answers PING, retrying with a capped backoff."""
    delay = 0.1
    while not _answers(client):
        time.sleep(delay)
        delay = min(delay * 2, RECONNECT_MAX_SECONDS)


def worker_client(url: str) -> redis.Redis:
    """A client for `run_worker`: RQ blocks on its queues for minutes, so the socket timeout
    must outlast that (redis-py 8 defaults to 5 s, which ended every idle worker)."""
    return connect(url, socket_timeout=SOCKET_TIMEOUT_SECONDS)


def run_pool(
    url: str,
    processes: int,
    queues: Sequence[str] = (),
    *,
    burst: bool = False,
    log_level: str = "INFO",
    fork: bool = False,
    activities: Registry,
) -> int:
    """Run `processes` worker processes (forked: they inherit `activities`) until they all
    end; return how many failed."""
    context = multiprocessing.get_context("fork")
    options = (url, list(queues), burst, log_level, fork, activities)
    children = [context.Process(target=_pool_member, args=options) for _ in range(processes)]
    for child in children:
        child.start()

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signum)

    for stop in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(stop, forward)
    for child in children:
        child.join()
    return sum(1 for child in children if child.exitcode)


def _pool_member(
    url: str, queues: list[str], burst: bool, log_level: str, fork: bool, activities: Registry
) -> None:
    client = worker_client(url)
    run_worker(client, queues, burst=burst, log_level=log_level, fork=fork, activities=activities)


# How long the embedded worker's blocking pop waits before it looks for a stop request: every
# `sfn run` waits this out once when it stops its worker, so it is short (an idle pop costs
# Redis next to nothing).
STOP_POLL_SECONDS = 0.05


class _ThreadWorker(SfnWorker):
    """A non-forking worker that can live in a thread and stops within STOP_POLL_SECONDS."""

    death_penalty_class = TimerDeathPenalty

    @property
    def dequeue_timeout(self) -> int:
        return 1

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None):
        # RQ waits for a job forever; wake up often to notice a stop request.
        while not self._stop_requested:
            found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time=STOP_POLL_SECONDS)
            if found is not None:
                return found
        return None

    def _install_signal_handlers(self) -> None:
        """Signals belong to the main thread (the `sfn run` command), not to this worker."""


def quiet_rq_maintenance() -> None:
    """Keep RQ's maintenance notes (registry cleanup, a job it finds abandoned, which sfn's
    watchdog delivers again anyway) out of a command's stderr, where only sfn's own progress
    belongs; RQ's errors still show. Without a handler they would reach Python's last-resort
    handler (stderr)."""
    for name in ("rq.registry", "rq.queue", "rq.job", "rq.intermediate_queue"):
        logging.getLogger(name).setLevel(logging.ERROR)


class _Stderr(logging.StreamHandler):
    """A handler writing to the `sys.stderr` of the moment (a CLI runner may swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass  # StreamHandler sets it at init; this one always looks it up


def rq_notes_to_stderr() -> None:
    """Send RQ's worker notes (a warning such as its pubsub thread ending in a Redis outage) to
    stderr: without a handler of ours, RQ's `work()` installs one writing them to stdout, where
    a command's result goes (`sfn run --json`)."""
    logger = logging.getLogger("rq.worker")
    if not any(isinstance(handler, _Stderr) for handler in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.propagate = False


class EmbeddedWorker:
    """An RQ worker and a timer poller in threads of this process; `stop()` ends both.

    Like `run_worker`, it outlives a Redis outage (the embedded server stopped and started
    again under `sfn run`, say): once RQ's loop gives up, a new RQ worker starts when Redis
    answers again."""

    def __init__(
        self,
        client: redis.Redis,
        queues: Sequence[str] = (),
        log_level: str = "WARNING",
        config: RuntimeConfig | None = None,
        *,
        activities: Registry,
    ):
        quiet_rq_maintenance()
        rq_notes_to_stderr()
        config = (config or settings.current()).with_routes(activities.routes())
        self._client, self._queues, self._config = client, queues, config
        self._activities = activities
        self._worker = make_worker(client, queues, _ThreadWorker, config, activities=activities)
        self._poller = TimerPoller(client, config)
        self._log_level = log_level
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="sfn-worker", daemon=True)

    def _work(self) -> None:
        while True:
            with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                self._worker.work(logging_level=self._log_level)
            while not self._stopping.is_set() and not _answers(self._client):
                self._stopping.wait(RECONNECT_MAX_SECONDS)
            if self._stopping.is_set():
                return
            self._worker = make_worker(
                self._client, self._queues, _ThreadWorker, self._config, activities=self._activities
            )
            self._worker._stop_requested = self._stopping.is_set()  # stop() came meanwhile

    def start(self) -> EmbeddedWorker:
        self._poller.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._worker._stop_requested = True
        self._thread.join(timeout=10)
        self._poller.stop()

    def __enter__(self) -> EmbeddedWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
