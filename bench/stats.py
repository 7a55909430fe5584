#!/usr/bin/env python3
"""Statistics for the benchmarks: medians, percentiles and A/B ratios.

Standard library only. Every result is a ratio of the agent (A) against a peer
(B) measured in the same run, interleaved round by round; absolute numbers are
printed beside them for context only (the machine is shared and noisy).

Subcommands:
  props-equal FILE_A FILE_B
      Exit 0 if both files set the same effective Java properties (last
      occurrence of a key wins, comments and blank lines ignored), else print
      the differences and exit 1.
  hyperfine SUMMARY_TSV BENCH [--context NAME]... [--cpu] JSON...
      Round files exported by `hyperfine --export-json`, each with the same
      commands by name; the first name is A, the others are peers, except a
      --context command: printed for context, left out of the summary. With
      --cpu also the CPU time per run (user + system of the process and its
      children, hyperfine's per-round means).
  cpu SUMMARY_TSV BENCH METRIC A_NAME A_SECONDS B_NAME B_SECONDS
      One ratio of two CPU times measured in the same run (e.g. a server's
      CPU per poll against a peer's per run); lower is better.
  health SUMMARY_TSV MANIFEST_TSV
      ghz runs listed in MANIFEST_TSV (mode, server, round, json, cpu_ticks,
      seconds); the server named "agent" is A.
  rss SUMMARY_TSV NAME=PID...
      Resident memory (VmRSS, VmHWM) from /proc; the first NAME is A.
  gbench SUMMARY_TSV JSON
      Google Benchmark output of bench/scale/scale_bench: BM_<what>_compact/N
      (A, today's code) against BM_<what>_legacy/N (B, the code before the
      compact table), medians of the repetitions, per size; and the heap
      counters.
  scale SUMMARY_TSV E2E_TSV
      The real agent against the fake broker (bench/scale.sh): a table per
      size, and before/after ratios when a before agent ran.
  real SUMMARY_TSV REAL_TSV
      The agent on a real Kafka cluster (bench/real_cluster.sh): a table per
      size, before/after ratios when a before agent ran, and the after
      agent's own counters of what it asked of Kafka (GetStatus
      kafka_traffic) beside the kernel's.
  table SUMMARY_TSV
      The compact table of every ratio.
"""

import json
import math
import os
import statistics
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(sorted_xs, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_xs:
        return float("nan")
    k = max(0, math.ceil(p / 100.0 * len(sorted_xs)) - 1)
    return sorted_xs[k]


def ratio(a, b):
    return a / b if b else float("nan")


def fmt_time(seconds):
    if seconds != seconds:  # nan
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def fmt_ratio(r):
    """Two decimals; small ratios with two significant digits (0.0042)."""
    return f"{r:.2f}" if r != r or r >= 0.1 else f"{r:.2g}"


def emit(summary, bench, metric, a_name, a_val, b_name, b_val, r, better):
    """One row of the summary table; `better` says which way is better."""
    with open(summary, "a", encoding="utf-8") as f:
        f.write("\t".join([bench, metric, a_name, a_val, b_name, b_val,
                           fmt_ratio(r), better]) + "\n")


# --- props-equal -----------------------------------------------------------

def load_props(path):
    props = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#!":
                continue
            sep = min((i for i in (line.find("="), line.find(":")) if i >= 0),
                      default=-1)
            if sep < 0:
                props[line] = ""
            else:
                props[line[:sep].strip()] = line[sep + 1:].strip()
    return props


def cmd_props_equal(a, b):
    pa, pb = load_props(a), load_props(b)
    if pa == pb:
        return 0
    for k in sorted(set(pa) | set(pb)):
        if pa.get(k) != pb.get(k):
            print(f"  {k}: {pa.get(k)!r} vs {pb.get(k)!r}")
    return 1


# --- hyperfine ---------------------------------------------------------------

def cmd_hyperfine(summary, bench, args):
    context, files, cpu = [], [], False
    while args:
        if args[0] == "--context":
            context.append(args[1])
            args = args[2:]
        elif args[0] == "--cpu":
            cpu = True
            args = args[1:]
        else:
            files.append(args[0])
            args = args[1:]
    per_round = []  # [{name: [times]}]
    cpu_round = []  # [{name: mean user + system seconds}]
    for path in files:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        per_round.append({r["command"]: r["times"] for r in data["results"]})
        cpu_round.append({r["command"]: r["user"] + r["system"]
                          for r in data["results"]})
    # Later rounds list the commands in rotated order; the first round lists
    # them as given, A first.
    names = list(per_round[0])
    a = names[0]
    pooled = {n: [t for rnd in per_round for t in rnd[n]] for n in names}
    med = {n: median(pooled[n]) for n in names}
    print(f"  {len(files)} rounds, {len(pooled[a])} runs of each command")
    for n in names:
        xs = sorted(pooled[n])
        print(f"  {n:<14} median {fmt_time(med[n]):>10}   "
              f"p10 {fmt_time(pct(xs, 10)):>10}   p90 {fmt_time(pct(xs, 90)):>10}")
    for b in names[1:]:
        rr = [ratio(median(rnd[a]), median(rnd[b])) for rnd in per_round]
        r = ratio(med[a], med[b])
        print(f"  ratio {a}/{b}: {fmt_ratio(r)} (pooled medians); per round: "
              f"median {fmt_ratio(median(rr))}, range {fmt_ratio(min(rr))}.."
              f"{fmt_ratio(max(rr))}"
              + ("   [context, not in the summary]" if b in context else ""))
        if b in context:
            continue
        emit(summary, bench, "wall time per run", a, fmt_time(med[a]), b,
             fmt_time(med[b]), r, "lower")
    if not cpu:
        return 0
    cmed = {n: median([rnd[n] for rnd in cpu_round]) for n in names}
    print("  CPU time per run (user + system), median of the rounds' means: "
          + ", ".join(f"{n} {fmt_time(cmed[n])}" for n in names))
    for b in names[1:]:
        rr = [ratio(rnd[a], rnd[b]) for rnd in cpu_round]
        r = ratio(cmed[a], cmed[b])
        print(f"  CPU ratio {a}/{b}: {r:.3f}; per round {min(rr):.3f}..{max(rr):.3f}"
              + ("   [context, not in the summary]" if b in context else ""))
        if b not in context:
            emit(summary, bench, "CPU time per run", a, fmt_time(cmed[a]), b,
                 fmt_time(cmed[b]), r, "lower")
    return 0


def cmd_cpu(summary, bench, metric, a, a_secs, b, b_secs):
    av, bv = float(a_secs), float(b_secs)
    r = ratio(av, bv)
    print(f"  {metric}: {a} {fmt_time(av)}, {b} {fmt_time(bv)}; ratio {r:.3f}")
    emit(summary, bench, metric, a, fmt_time(av), b, fmt_time(bv), r, "lower")
    return 0


# --- health (ghz) -------------------------------------------------------------

def load_ghz(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    ok = sorted(x["latency"] / 1e9 for x in d.get("details") or []
                if x.get("status") == "OK")
    total = d["total"] / 1e9
    return {"ok": ok, "rps": len(ok) / total if total else float("nan"),
            "total": total, "codes": d.get("statusCodeDistribution", {})}


def cmd_health(summary, manifest):
    runs = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            mode, server, rnd, path, ticks, secs = line.rstrip("\n").split("\t")
            g = load_ghz(path)
            g.update(mode=mode, server=server, round=int(rnd),
                     cpu=int(ticks) / CLK_TCK, secs=float(secs))
            runs.append(g)
    servers = []
    for r in runs:
        if r["server"] not in servers:
            servers.append(r["server"])
    a, peers = "agent", [s for s in servers if s != "agent"]

    def sel(mode, server):
        return [r for r in runs if r["mode"] == mode and r["server"] == server]

    # Saturation: requests/s, latency under load, CPU per request.
    sat = {}
    for s in servers:
        rs = sel("saturate", s)
        if not rs:
            continue
        lat = sorted(x for r in rs for x in r["ok"])
        nreq = sum(len(r["ok"]) for r in rs)
        cpu = sum(r["cpu"] for r in rs)
        busy = cpu / sum(r["secs"] for r in rs)
        sat[s] = {"rps": median([r["rps"] for r in rs]),
                  "rps_rounds": {r["round"]: r["rps"] for r in rs},
                  "p50": pct(lat, 50), "p99": pct(lat, 99),
                  "cpu_per_req": cpu / nreq if nreq else float("nan"),
                  "busy": busy, "n": nreq}
    if sat:
        print("  saturation (ghz, closed loop):")
        for s, v in sat.items():
            print(f"  {s:<8} {v['rps']:>9.0f} req/s (median of rounds)  "
                  f"p50 {fmt_time(v['p50']):>9}  p99 {fmt_time(v['p99']):>9}  "
                  f"CPU/req {fmt_time(v['cpu_per_req']):>7}  "
                  f"server CPU busy {v['busy'] * 100:.0f}%  ({v['n']} OK calls)")
    for b in peers:
        if a not in sat or b not in sat:
            continue
        A, B = sat[a], sat[b]
        rounds = sorted(set(A["rps_rounds"]) & set(B["rps_rounds"]))
        rr = [A["rps_rounds"][k] / B["rps_rounds"][k] for k in rounds]
        print(f"  ratio agent/{b}: req/s {A['rps'] / B['rps']:.2f} (per round "
              f"{min(rr):.2f}..{max(rr):.2f}), p50 {A['p50'] / B['p50']:.2f}, "
              f"p99 {A['p99'] / B['p99']:.2f}, CPU/req "
              f"{A['cpu_per_req'] / B['cpu_per_req']:.2f}")
        emit(summary, "health_probe", "Check req/s, saturated", a,
             f"{A['rps']:.0f}/s", b, f"{B['rps']:.0f}/s",
             A["rps"] / B["rps"], "higher")
        emit(summary, "health_probe", "Check p50 latency, saturated", a,
             fmt_time(A["p50"]), b, fmt_time(B["p50"]),
             A["p50"] / B["p50"], "lower")
        emit(summary, "health_probe", "Check p99 latency, saturated", a,
             fmt_time(A["p99"]), b, fmt_time(B["p99"]),
             A["p99"] / B["p99"], "lower")
        emit(summary, "health_probe", "server CPU time per Check", a,
             fmt_time(A["cpu_per_req"]), b, fmt_time(B["cpu_per_req"]),
             A["cpu_per_req"] / B["cpu_per_req"], "lower")

    # Probe rate: latency of an unloaded server at a fixed, low request rate.
    low = {}
    for s in servers:
        rs = sel("paced", s)
        if not rs:
            continue
        lat = sorted(x for r in rs for x in r["ok"])
        low[s] = {"p50": pct(lat, 50), "p99": pct(lat, 99), "n": len(lat)}
    if low:
        print("  paced (ghz, fixed low rate, one caller):")
        for s, v in low.items():
            print(f"  {s:<8} p50 {fmt_time(v['p50']):>9}  "
                  f"p99 {fmt_time(v['p99']):>9}  ({v['n']} OK calls)")
    for b in peers:
        if a not in low or b not in low:
            continue
        A, B = low[a], low[b]
        print(f"  ratio agent/{b}: p50 {A['p50'] / B['p50']:.2f}, "
              f"p99 {A['p99'] / B['p99']:.2f}")
        emit(summary, "health_probe", "Check p50 latency, paced", a,
             fmt_time(A["p50"]), b, fmt_time(B["p50"]),
             A["p50"] / B["p50"], "lower")
        emit(summary, "health_probe", "Check p99 latency, paced", a,
             fmt_time(A["p99"]), b, fmt_time(B["p99"]),
             A["p99"] / B["p99"], "lower")
    bad = {f"{r['server']}/{r['mode']}/{r['round']}": r["codes"] for r in runs
           if any(k not in ("OK", "Unavailable", "Canceled")
                  for k in r["codes"])}
    if bad:
        print(f"  unexpected status codes: {bad}")
    return 0


# --- rss ------------------------------------------------------------------------

def proc_kib(pid, field):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cmd_rss(summary, label, pairs):
    procs = [p.split("=", 1) for p in pairs]
    vals = {n: proc_kib(pid, label) for n, pid in procs}
    what = {"VmRSS": "RSS, idle", "VmHWM": "peak RSS, after load"}[label]
    print(f"  {what}: " + ", ".join(f"{n} {v / 1024:.1f} MiB"
                                    for n, v in vals.items()))
    a = procs[0][0]
    for b, _ in procs[1:]:
        emit(summary, "health_probe", what, a, f"{vals[a] / 1024:.1f} MiB",
             b, f"{vals[b] / 1024:.1f} MiB", ratio(vals[a], vals[b]), "lower")
    return 0


# --- gbench -----------------------------------------------------------------------

def size_name(n):
    n = int(n)
    return f"{n // 1000000}M" if n >= 1000000 else f"{n // 1000}k"


def cmd_gbench(summary, path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    runs = {}
    counters = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        name = b["run_name"]  # BM_Poll_compact/1000
        what, n = name.split("/")[:2]
        what, impl = what.rsplit("_", 1)
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        runs.setdefault((what, int(n), impl), []).append(b["cpu_time"] * unit)
        for k in ("held_B_per_partition", "peak_B_per_partition", "answer_B"):
            if k in b:
                counters.setdefault((what, int(n), impl, k), []).append(b[k])
    whats = sorted({w for w, _, _ in runs}, key=lambda w: [
        "BM_Poll", "BM_Assess", "BM_ListAll", "BM_StatusRows",
        "BM_UnderReplicated", "BM_GetStatus"].index(w)
        if w in ("BM_Poll", "BM_Assess", "BM_ListAll", "BM_StatusRows",
                 "BM_UnderReplicated", "BM_GetStatus") else 99)
    labels = {
        "BM_Poll": "poll: decode + build + assess (CPU)",
        "BM_Assess": "assessment pass (CPU)",
        "BM_ListAll": "ListPartitions, every partition (CPU)",
        "BM_StatusRows": "`status` rows: 100 now, all before (CPU)",
        "BM_UnderReplicated": "ListPartitions --under-replicated (CPU)",
        "BM_GetStatus": "GetStatus (CPU; B = same code at 1k)",
    }
    print("  scale_bench (CPU time, median of repetitions; A = compact, "
          "B = before):")
    for what in whats:
        for n in sorted({n for w, n, _ in runs if w == what}):
            a = median(runs.get((what, n, "compact"), []))
            b = median(runs.get((what, n, "legacy"), []))
            r = ratio(a, b)
            print(f"    {labels.get(what, what):44s} {size_name(n):>4s}  "
                  f"A {fmt_time(a):>10s}  B {fmt_time(b):>10s}  A/B {r:.3f}")
            emit(summary, "scale", f"{labels.get(what, what)}, "
                 f"{size_name(n)} partitions", "compact", fmt_time(a),
                 "before", fmt_time(b), r, "lower")
    for k, label in (("held_B_per_partition", "heap held per partition"),
                     ("peak_B_per_partition", "heap at a poll's peak, per partition")):
        for n in sorted({n for w, n, _, kk in counters if kk == k}):
            a = median(counters.get(("BM_Poll", n, "compact", k), []))
            b = median(counters.get(("BM_Poll", n, "legacy", k), []))
            print(f"    {label:44s} {size_name(n):>4s}  A {a:8.0f} B  "
                  f"B {b:8.0f} B  A/B {ratio(a, b):.3f}")
            emit(summary, "scale", f"{label}, {size_name(n)} partitions",
                 "compact", f"{a:.0f} B", "before", f"{b:.0f} B",
                 ratio(a, b), "lower")
    return 0


# --- scale ------------------------------------------------------------------------

def read_rows(path):
    """The rows of a TSV with a header line, as dicts."""
    with open(path, encoding="utf-8") as f:
        head = next(f).rstrip("\n").split("\t")
        return [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f]


def print_after_before(summary, bench, table, width):
    """Prints TABLE ({(size, "after"|"before"): {metric: (value, unit)}}) as
    one row per metric, one column per size: "after | before | ratio"; emits
    each pair's ratio (lower is better) to the summary."""
    sizes = sorted({n for n, _ in table})
    metrics = list(next(iter(table.values())).keys()) if table else []
    print("    " + " " * width + "".join(f"{size_name(n):>30s}" for n in sizes))
    for m in metrics:
        cells = []
        for n in sizes:
            a = table.get((n, "after"), {}).get(m)
            b = table.get((n, "before"), {}).get(m)
            cell = f"{num(a[0])}{a[1] and ' ' + a[1]}" if a else "-"
            if a and b:
                cell += f" | {num(b[0])} | {fmt_ratio(ratio(a[0], b[0]))}"
                emit(summary, bench, f"{m}, {size_name(n)}",
                     "after", f"{num(a[0])} {a[1]}".strip(), "before",
                     f"{num(b[0])} {b[1]}".strip(), ratio(a[0], b[0]), "lower")
            cells.append(cell)
        print("    " + f"{m:{width}s}" + "".join(f"{c:>30s}" for c in cells))
    if any(w == "before" for _, w in table):
        print("    (after | before | after/before)")


def load_fake(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        next(f, None)
        for line in f:
            api, r, i, o = line.rstrip("\n").split("\t")
            out[api] = (int(r), int(i), int(o))
    return out


def cmd_scale(summary, path):
    rows = read_rows(path)
    table = {}
    for r in rows:
        start, end = load_fake(r["fake_stats_start"]), load_fake(r["fake_stats_end"])
        per_min = 60000.0 / int(r["window_ms"])
        d = {api: tuple(e - s for e, s in zip(end[api], start.get(api, (0, 0, 0))))
             for api in end}
        tot = [sum(v[k] for v in d.values()) for k in range(3)]
        md = d.get("Metadata", (0, 0, 0))
        dc = d.get("ApiKey(32)", (0, 0, 0))
        t = {
            "CPU per 2 s poll interval": (float(r["cpu_ms_per_poll"]), "ms"),
            "RSS idle, lowest": (int(r["rss_idle_kib"]) / 1024, "MiB"),
            "RSS idle, highest": (int(r["rss_idle_high_kib"]) / 1024, "MiB"),
            "RSS after answers, lowest": (int(r["rss_after_kib"]) / 1024,
                                          "MiB"),
            "RSS after answers, highest": (int(r["rss_after_high_kib"]) / 1024,
                                           "MiB"),
            "peak RSS": (int(r["hwm_kib"]) / 1024, "MiB"),
            "status (100 rows)": (int(r["status_ms"]) / 1000, "s"),
            "status --all": (int(r["status_all_ms"]) / 1000, "s"),
            "status --under-replicated": (int(r["under_ms"]) / 1000, "s"),
            "requests to Kafka /min": (tot[0] * per_min, ""),
            "bytes to Kafka /min": (tot[1] * per_min / 1024, "KiB"),
            "bytes from Kafka /min": (tot[2] * per_min / 1024, "KiB"),
            "Metadata requests /min": (md[0] * per_min, ""),
            "DescribeConfigs bytes /min": ((dc[1] + dc[2]) * per_min / 1024,
                                           "KiB"),
            "status output": (int(r["status_bytes"]) / 1024, "KiB"),
        }
        table[(int(r["size"]), r["who"])] = t
    print("  the real agent against the fake broker:")
    print_after_before(summary, "scale (real agent)", table, 28)
    return 0


# --- real -------------------------------------------------------------------------

def load_traffic(path):
    """GetStatus kafka_traffic as {api: (requests, sent, received)}; the
    wire client's APIs by name, librdkafka's as "librdkafka"."""
    if path in ("", "-") or not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
    except (OSError, ValueError):
        return {}
    out = {}
    rows = list(t.get("wire", []))
    if t.get("librdkafka"):
        rows.append(dict(t["librdkafka"], api="librdkafka"))
    for a in rows:
        if a.get("api") == "all":
            continue
        out[a.get("api", "?")] = tuple(int(a.get(k, 0) or 0) for k in
                                       ("requests", "bytes_sent",
                                        "bytes_received"))
    return out


def num(v):
    """Three significant digits, at least (12.3, 0.123, 1234)."""
    return f"{v:.0f}" if v >= 100 else f"{v:.3g}"


def cmd_real(summary, path):
    rows = read_rows(path)
    table, own = {}, {}
    for r in rows:
        per_min = 60000.0 / int(r["window_ms"])
        t = {
            "CPU per 2 s poll interval": (float(r["cpu_ms_per_poll"]), "ms"),
            "RSS idle": (int(r["rss_idle_kib"]) / 1024, "MiB"),
            "RSS after answers": (int(r["rss_after_kib"]) / 1024, "MiB"),
            "peak RSS": (int(r["hwm_kib"]) / 1024, "MiB"),
            "status (100 rows), wall": (int(r["status_ms"]) / 1000, "s"),
            "status --all, wall": (int(r["status_all_ms"]) / 1000, "s"),
            "status --under-replicated, wall": (int(r["under_ms"]) / 1000, "s"),
            "bytes to Kafka /min": (int(r["sent"]) * per_min / 1024, "KiB"),
            "bytes from Kafka /min": (int(r["received"]) * per_min / 1024,
                                      "KiB"),
            "segments to Kafka /min": (int(r["segs_out"]) * per_min, ""),
        }
        n = int(r["size"])
        table[(n, r["who"])] = t
        start, end = load_traffic(r["traffic_start"]), load_traffic(r["traffic_end"])
        if end:
            d = {api: tuple((e - s) * per_min for e, s in
                            zip(end[api], start.get(api, (0, 0, 0))))
                 for api in end}
            own[n] = (d, r["load"])
    print_after_before(summary, "real_cluster", table, 33)
    sizes = sorted({n for n, _ in table})
    for n in sizes:
        if n not in own:
            continue
        d, load = own[n]
        tot = [sum(v[k] for v in d.values()) for k in range(3)]
        print(f"  {size_name(n)}, the after agent's own counters per minute "
              f"(load average {load}): {tot[0]:.0f} requests, "
              f"{tot[1] / 1024:.1f} KiB sent, {tot[2] / 1024:.1f} KiB received; "
              + ", ".join(f"{api} {v[0]:.0f} req {v[1] / 1024:.1f}/{v[2] / 1024:.1f} KiB"
                          for api, v in sorted(d.items()) if v[0] or v[1] or v[2]))
    return 0


# --- table ------------------------------------------------------------------------

def cmd_table(summary):
    rows = []
    with open(summary, encoding="utf-8") as f:
        for line in f:
            rows.append(line.rstrip("\n").split("\t"))
    if not rows:
        print("(no results)")
        return 0
    # The same metric against each peer on adjacent lines, in first-seen order.
    order = {}
    for r in rows:
        order.setdefault((r[0], r[1]), len(order))
    rows.sort(key=lambda r: order[(r[0], r[1])])
    head = ["benchmark", "metric", "A", "A median", "B", "B median", "A/B",
            "better"]
    cols = list(zip(*([head] + rows)))
    width = [max(len(c) for c in col) for col in cols]
    for i, row in enumerate([head] + rows):
        print("  ".join(c.ljust(w) if j not in (3, 5, 6) else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, width))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in width))
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "props-equal":
        return cmd_props_equal(*args)
    if cmd == "hyperfine":
        return cmd_hyperfine(args[0], args[1], args[2:])
    if cmd == "cpu":
        return cmd_cpu(*args)
    if cmd == "health":
        return cmd_health(*args)
    if cmd == "rss":
        return cmd_rss(args[0], args[1], args[2:])
    if cmd == "table":
        return cmd_table(*args)
    if cmd == "gbench":
        return cmd_gbench(*args)
    if cmd == "scale":
        return cmd_scale(*args)
    if cmd == "real":
        return cmd_real(*args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
