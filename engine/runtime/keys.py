"""Every Redis key sfn uses, in one place, so the layout is predictable and greppable.

Keys of one execution share the hash tag `{<execution id>}`: on a Redis Cluster an execution
lives on one node and its commits stay single-slot. Indexes and timers are global keys.
"""

from __future__ import annotations

PREFIX = "sfn"

# Global keys (not tied to one execution).
TIMERS = f"{PREFIX}:timers"  # sorted set: timer member JSON -> due time (epoch seconds)
# pub/sub channel (no key): a commit that starts a timer due before the next poll (a yield, a
# short Wait or retry) publishes on it, and the pollers blocked between polls poll at once.
TIMERS_DUE = f"{PREFIX}:timers:due"
EXECUTIONS = f"{PREFIX}:executions"  # sorted set: execution id -> start time
STOPPED = f"{PREFIX}:stopped"  # sorted set: ended execution id -> stop time (list order)
# sorted set: state machine created by name (CreateStateMachine) -> creation time
NAMED_STATE_MACHINES = f"{PREFIX}:named-statemachines"
ACTIVITIES = f"{PREFIX}:activities"  # sorted set: activity created by name -> creation time
STATE_MACHINES = f"{PREFIX}:statemachines"  # set: names of state machines with executions
METRICS = f"{PREFIX}:metrics"  # hash: the counters /metrics reports (engine.runtime.counters)
# sorted set: execution id -> time of its last Task redelivery (the workers page lists them)
REDELIVERED = f"{PREFIX}:redelivered"


def timer_claim(member_digest: str) -> str:
    """Short-lived claim of a due timer by one poller (others skip it meanwhile)."""
    return f"{PREFIX}:timer-claim:{member_digest}"


def definition(digest: str) -> str:
    """The immutable definition stored under its content hash."""
    return f"{PREFIX}:definition:{digest}"


def state_machine(name: str) -> str:
    """Hash: a named state machine (CreateStateMachine): its definition digest, role, type,
    dates, revision, description and tags."""
    return f"{PREFIX}:statemachine:{name}"


def activity(name: str) -> str:
    """Hash: an activity created by name (CreateActivity): creation date and tags."""
    return f"{PREFIX}:activity:{name}"


def by_state_machine(name: str) -> str:
    """Sorted set of the executions of one state machine, scored by start time."""
    return f"{PREFIX}:statemachine:{name}:executions"


def versions(state_machine: str) -> str:
    """Hash: per definition version (content hash) the state machine's executions started with
    it: `<digest>:count`, `<digest>:first` and `<digest>:last` (start times, epoch seconds)."""
    return f"{PREFIX}:versions:{state_machine}"


def by_status(status: str) -> str:
    """Sorted set of the executions currently in one status, scored by start time."""
    return f"{PREFIX}:status:{status}:executions"


def token(task_token: str) -> str:
    """Where a task token leads: the execution and run awaiting it (for send-task-*)."""
    return f"{PREFIX}:token:{task_token}"


def _tag(execution: str) -> str:
    return f"{PREFIX}:{{{execution}}}"


def meta(execution: str) -> str:
    """Hash: the execution's description (status, input, output, pinned definition...)."""
    return f"{_tag(execution)}:meta"


def history(execution: str) -> str:
    """List of history events; an event's id is its position + 1."""
    return f"{_tag(execution)}:history"


def run(execution: str, run_id: str) -> str:
    """String: one run's record (machine path, group, snapshot with its version)."""
    return f"{_tag(execution)}:run:{run_id}"


def group(execution: str, group_id: str) -> str:
    """Hash: the join record of a Parallel/Map child group (total, started, delivered...)."""
    return f"{_tag(execution)}:group:{group_id}"


def group_specs(execution: str, group_id: str) -> str:
    """Hash: child index -> the child's input and context, read when the child starts."""
    return f"{_tag(execution)}:group:{group_id}:specs"


def group_results(execution: str, group_id: str) -> str:
    """Hash: child index -> output of each child that succeeded."""
    return f"{_tag(execution)}:group:{group_id}:results"


def group_failures(execution: str, group_id: str) -> str:
    """Hash: child index -> {"error", "cause"} of each child that failed."""
    return f"{_tag(execution)}:group:{group_id}:failures"


def live(execution: str) -> str:
    """Hash: what the execution holds beyond its history while it runs, swept at its end:
    open child groups (`g:<group>` -> child count), child runs' awaited task tokens
    (`t:<token>` -> run id), `rev` (counts additions, so the end sees them all) and `root`
    (the last group the root run opened: the one a redrive may partly keep)."""
    return f"{_tag(execution)}:live"


def redrive_results(execution: str) -> str:
    """Hash: child index -> output of each child that succeeded in the Map/Parallel attempt an
    execution ended in (a copy of its group's results); a redrive runs only the others."""
    return f"{_tag(execution)}:redrive"


def claimed_task(execution: str, task_token: str) -> str:
    """String: the job payload of a Task attempt a worker claimed to run itself (no RQ job)
    or an API poller took, read only to send the attempt again should that worker die
    (`engine.runtime.eager`) or that poller go silent (`engine.runtime.lost`)."""
    return f"{_tag(execution)}:task:{task_token}"


def children(execution: str) -> str:
    """Set: the ids of the nested executions this execution started (states:startExecution)."""
    return f"{_tag(execution)}:children"


def done(execution: str) -> str:
    """List holding one marker once the execution has finished (waiters block on it)."""
    return f"{_tag(execution)}:done"


def run_histories(execution: str) -> str:
    """Set: the run ids of the DISTRIBUTED iterations whose histories an ended execution keeps
    (so that retention and purge find them without a scan)."""
    return f"{_tag(execution)}:histories"


def run_history(execution: str, run_id: str) -> str:
    """List of the events of a Distributed Map iteration (kept out of the execution's history)."""
    return f"{_tag(execution)}:history:{run_id}"
