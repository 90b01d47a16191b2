"""Django's SQLite backend that keeps the query planner's statistics current, as SQLite
recommends for applications with short-lived connections: `PRAGMA optimize` as each connection
closes (https://sqlite.org/lang_analyze.html#recommended_usage_pattern).

`optimize` runs ANALYZE only on the tables this connection's queries used whose indexes have no
statistics yet or whose size changed a lot since, so a fresh install gets statistics after its
first requests and most closes cost nothing. `analysis_limit` bounds each ANALYZE to a sample
(about 400 rows an index), a few milliseconds even on a large school.
"""

import sqlite3

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and not self.in_atomic_block:
            try:
                # Never keep a request waiting behind a writer for statistics.
                self.connection.execute("PRAGMA busy_timeout=50")
                self.connection.execute("PRAGMA analysis_limit=400")
                self.connection.execute("PRAGMA optimize")
            except sqlite3.Error:
                # Busy or read-only: statistics wait for the next connection to close.
                pass
        super()._close()
