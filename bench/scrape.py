#!/usr/bin/env python3
"""Server CPU per /metrics scrape, for bench/metrics_scrape.sh.

Usage: scrape.py SUMMARY_TSV LABEL ROUNDS SECONDS NAME=PORT=PID...

The first NAME is A (the agent), the others are peers serving the same bytes.
Each round, every server in turn (the order rotating each round) gets one
keep-alive connection and GET /metrics in a closed loop for SECONDS. Its CPU
time is read from /proc/PID/task/*/schedstat (nanoseconds on CPU, all
threads) before and after. Reported per server: scrapes/s and bytes per
scrape (context), and CPU time per scrape; the summary gets A/B of the
medians of CPU time per scrape, with the per-round ratios' range printed.
"""

import http.client
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats  # noqa: E402  (bench/stats.py: emit, median)


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass  # a thread that just ended
    return total


def scrape_for(port, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = size = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit(f"port {port}: HTTP {resp.status}")
        n += 1
        size += len(body)
    conn.close()
    return n, size


def main(argv):
    summary, label, rounds, seconds = argv[1], argv[2], int(argv[3]), float(argv[4])
    servers = [s.split("=") for s in argv[5:]]
    names = [s[0] for s in servers]
    per = {name: {"cpu_us": [], "rate": [], "bytes": 0} for name in names}
    for _, port, _ in servers:  # warm-up, not recorded
        scrape_for(int(port), 0.5)
    for r in range(rounds):
        for k in range(len(servers)):
            name, port, pid = servers[(k + r) % len(servers)]
            c0, t0 = cpu_ns(int(pid)), time.monotonic()
            n, size = scrape_for(int(port), seconds)
            c1, t1 = cpu_ns(int(pid)), time.monotonic()
            per[name]["cpu_us"].append((c1 - c0) / 1e3 / n)
            per[name]["rate"].append(n / (t1 - t0))
            per[name]["bytes"] = size // n
    a = names[0]
    for name in names:
        p = per[name]
        print(f"  {label:<16} {name:<7} {stats.median(p['rate']):8.0f} scrapes/s"
              f"  CPU/scrape {stats.median(p['cpu_us']):8.1f} us"
              f" (rounds {min(p['cpu_us']):.1f}..{max(p['cpu_us']):.1f})"
              f"  {p['bytes']} bytes")
    for b in names[1:]:
        ratios = [x / y for x, y in zip(per[a]["cpu_us"], per[b]["cpu_us"])]
        r = stats.median(per[a]["cpu_us"]) / stats.median(per[b]["cpu_us"])
        print(f"  {label:<16} CPU per scrape A/B vs {b}: {r:.2f} "
              f"(per round {min(ratios):.2f}..{max(ratios):.2f})")
        stats.emit(summary, "metrics_scrape", f"server CPU per scrape, {label}",
                   a, f"{stats.median(per[a]['cpu_us']):.1f} us", b,
                   f"{stats.median(per[b]['cpu_us']):.1f} us", r, "lower")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
