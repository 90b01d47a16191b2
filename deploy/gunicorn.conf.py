"""gunicorn for a school server (2 cores): `make serve` and the systemd unit start it with this."""

import gc
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# A process per core and one more, each with a few threads: a PDF or a spreadsheet takes a core
# for a second or two while the other threads keep answering teachers' pages. Measured on 2
# cores (bench/bench_load.py, 20 people): 3 x 4 answered 14-16 requests per CPU-second, 5 x 1
# 15, 4 x 2 13-14; the pages are CPU-bound, so more processes or threads do not add throughput.
# Measured again for issue 19 (30 s runs on a machine shared with other jobs, load 7-12): 3 x 4
# 12-14 requests/s at 60-74 ms of server CPU a request; 2 x 4 9-10 (67-71 ms), 2 x 2 5 (76 ms),
# 4 x 2 6 (76 ms), 4 x 1 6.5 (68 ms). Fewer processes leave a core idle while one waits on
# SQLite's write lock or the disk; more processes or threads only add switching and memory.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 2) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# The longest request is a large export or PDF; nginx's proxy timeouts match this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# WeasyPrint keeps caches per process: recycle workers now and then.
max_requests = 2000
max_requests_jitter = 200
# Django and the site are imported once, in the master, before the workers fork: a worker
# (each at start and each recycled one) costs ~2 s of CPU to import them itself, about a
# tenth of what the server spent in a one-minute bench_load. Nothing opens a database
# connection at import, so no connection is shared across the fork.
preload_app = True
# Python's cyclic garbage collector, tuned for a pre-forking server as Python's gc.freeze()
# documentation advises: what the master imported before forking is frozen, so a worker's
# full collections no longer walk Django and the site (~110 ms each, about one per 200
# pages) and its pages do not copy the master's memory; and the youngest generation is
# collected once 5,000 objects more were made than freed instead of 700 (a page nets ~1,600),
# so fewer of a request's short-lived objects are promoted and walked again. Measured in
# process on the pages bench_load's teachers open: the collector's CPU ~5 % -> ~1.6 %.
gc.set_threshold(5000, 10, 10)


def pre_fork(server, worker) -> None:
    gc.freeze()


# Logs to standard output and error, which systemd keeps in the journal.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The client's address as the trusted proxy gave it (Django's TrustedProxyMiddleware decides the
# same for the access log it keeps itself).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "") or "127.0.0.1"
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
