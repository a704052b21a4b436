"""The durable runtime: the I/O shell that runs the pure interpreter on Redis and RQ.

`engine.Engine` (engine.py) is the API; commit.py writes one step atomically; dispatch.py,
jobs.py and worker.py are the RQ side; timers.py, leases.py and watchdog.py keep time and
recover from dead workers; groups.py joins Parallel branches and Map iterations; store.py and
keys.py are the data; server.py and connection.py find the Redis server.
"""
