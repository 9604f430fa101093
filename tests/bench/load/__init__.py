"""The load bench (``python -m tests.bench load``): the hub under gunicorn on
PostgreSQL and Redis, the province simulator, and a separate asyncio load
process. See ``tests/bench/bench_load.py`` and ``docs/performance.md``.

- ``stack``: the throw-away database, Redis db, simulator and gunicorn.
- ``client``: the load generator, run as its own process
  (``python -m tests.bench.load.client SPEC.json``).
- ``report``: the figures table, targets and verdicts.
"""
