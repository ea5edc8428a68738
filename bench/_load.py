"""One load run against an explorer, by locust in headless mode through its library API (run by
bench/explorer.py in a process of its own: locust's gevent patches the whole interpreter).

Usage: ``python bench/_load.py BASE_URL PATH_TEMPLATE LOTS_FILE CLIENTS SECONDS``. Each of CLIENTS simulated
buyers asks for ``PATH_TEMPLATE.format(lot)`` with a lot drawn at random from LOTS_FILE (one id a line), again
and again without pause, for SECONDS after all have started. Prints one JSON object: requests per second,
p50/p95/p99 latency (ms), requests, 5xx answers, timeouts and other failures, and the generator's own CPU
use during the run, in cores (it shares the machine's two cores with the explorer).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

TIMEOUT_S = 30.0
STARTED = {"5xx": 0, "timeouts": 0, "other": 0}


def _user(path: str, lots: list[int]) -> type[FastHttpUser]:
    class Buyer(FastHttpUser):
        wait_time = constant(0)
        network_timeout = TIMEOUT_S
        connection_timeout = TIMEOUT_S

        @task
        def look(self) -> None:
            with self.client.get(
                path.format(random.choice(lots)), name=path, catch_response=True
            ) as response:
                if response.status_code >= 500:
                    STARTED["5xx"] += 1
                    response.failure(f"HTTP {response.status_code}")
                elif response.request_meta["exception"] is not None:  # no answer: refused, reset, timed out
                    error = response.request_meta["exception"]
                    timed_out = "timeout" in type(error).__name__.lower() or "timed out" in str(error)
                    STARTED["timeouts" if timed_out else "other"] += 1
                    response.failure(str(error))
                elif response.status_code != 200:
                    STARTED["other"] += 1
                    response.failure(f"HTTP {response.status_code}")

    return Buyer


def main() -> None:
    base, path, lots_file, clients, seconds = sys.argv[1:6]
    lots = [int(line) for line in Path(lots_file).read_text().split()]
    environment = Environment(user_classes=[_user(path, lots)], host=base)
    runner = environment.create_local_runner()
    runner.start(int(clients), spawn_rate=int(clients))
    gevent.sleep(1.0)  # every client started and connected
    environment.stats.reset_all()
    for key in STARTED:
        STARTED[key] = 0
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    gevent.sleep(float(seconds))
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    total = environment.stats.total
    figures = {
        "rps": round((total.num_requests - total.num_failures) / elapsed, 1),  # answered with 200
        "p50_ms": total.get_response_time_percentile(0.50),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "requests": total.num_requests,
        "fail_5xx": STARTED["5xx"],
        "timeouts": STARTED["timeouts"],
        "other_failures": STARTED["other"],
    }
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    figures["generator_cpu_share"] = round(cpu / elapsed, 2)  # of one core, during the measured window
    runner.quit()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
