"""partiql.py: what PartiQL costs over the JSON request it stands for
(bench/run.sh partiql runs it). On one seeded ddbd (one event-loop thread,
then two), after the load settles, runs GetItem and SELECT-by-key, then
Query and SELECT-of-a-partition, interleaved (A B A B ...) for --rounds
rounds of BENCH_SECONDS each at 64 connections, and prints each pair's
median req/s and the ratio: the issue's bound is a SELECT at most 15% slower
than its request (ratio >= 0.85)."""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the shared driver: servers, seeding, wrk)

PAIRS = [("GetItem", "getitem", "PartiQL SELECT by key", "pqget"),
         ("Query 10 items", "query", "PartiQL SELECT 10 items", "pqquery")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))


def main():
    ddbd = os.path.join(run.BUILD, "ddbd")
    print("| threads | JSON request | req/s | PartiQL statement | req/s | PartiQL / JSON |")
    print("|---:|---|---:|---|---:|---:|")
    for threads in (1, 2):
        s = run.Server(f"ddbd {threads}", [ddbd, "--port", "{port}", "--data-dir", "{dir}",
                                           "--threads", str(threads)])
        try:
            s.start()
            run.seed(s.port, run.USERS)
            time.sleep(run.SETTLE)  # the seed's flushes and compactions end first
            for label, script, plabel, pscript in PAIRS:
                a, b = [], []
                for _ in range(ROUNDS):
                    a.append(run.wrk(s.port, script, 64)["req_s"])
                    b.append(run.wrk(s.port, pscript, 64)["req_s"])
                ma, mb = statistics.median(a), statistics.median(b)
                print(f"| {threads} | {label} | {ma:,.0f} | {plabel} | {mb:,.0f} | {mb / ma:.2f} |",
                      flush=True)
        finally:
            s.stop()


if __name__ == "__main__":
    main()
