#!/usr/bin/env python3
"""Summaries for the Muster bench harness.

  summarize.py run KIND MODE SIZE REP STATUS FILE   -> one TSV line for one run (per-node JSON lines in FILE)
  summarize.py medians SUMMARY.tsv                  -> medians (min..max) over repetitions
"""
import json
import statistics
import sys

COLS = ["kind", "mode", "size", "rep", "status", "order_ok", "gaps", "delivered", "rx_msgs_s", "rx_MBps",
        "oneway_p50_us", "oneway_p99_us", "lat_p50_us", "lat_p99_us", "lat_min_us", "lat_max_us", "tx_msgs_s", "musterd_cpu_s"]


def run(kind, mode, size, rep, status, path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    grp = [r for r in rows if r.get("bench") == "groups"]
    lat = [r for r in rows if r.get("bench") == "latency"]
    cpu = [r for r in rows if r.get("bench") == "cpu"]
    ok = status == "ok" and all(r.get("status") == "ok" for r in grp + lat) and (grp or lat)
    # order: every node hashed the same number of messages and got the same hash
    keys = {(r["hash"], r["hash_count"]) for r in grp}
    order_ok = "yes" if grp and len(keys) == 1 and ok else "no"
    gaps = sum(r.get("gaps", 0) for r in grp)
    delivered = "/".join(sorted({str(r["delivered"]) for r in grp}))
    def mean(xs):
        xs = [x for x in xs if x is not None]
        return f"{statistics.mean(xs):.1f}" if xs else "-"
    def med(xs):
        xs = [x for x in xs if x is not None]
        return f"{statistics.median(xs):.1f}" if xs else "-"
    def mx(xs):
        xs = [x for x in xs if x is not None]
        return f"{max(xs):.1f}" if xs else "-"
    rx = mean([r["rx_msgs_s"] for r in grp]) if kind == "thr" else "-"
    mb = (f"{statistics.mean(r['rx_MBps'] for r in grp):.3f}" if grp else "-") if kind == "thr" else "-"
    senders = [r for r in grp if r.get("sender")]
    tx = f"{sum(r['tx_msgs_s'] for r in senders):.1f}" if senders else "-"
    l = lat[0] if lat else {}
    vals = [kind, mode, size, rep, "ok" if ok else "fail", order_ok, str(gaps), delivered or "-", rx, mb,
            med([r.get("oneway_p50_us") for r in grp]), mx([r.get("oneway_p99_us") for r in grp]),
            str(l.get("lat_p50_us", "-")), str(l.get("lat_p99_us", "-")), str(l.get("lat_min_us", "-")),
            str(l.get("lat_max_us", "-")), tx,
            f"{sum(r['musterd_cpu_s'] for r in cpu):.2f}" if cpu else "-"]
    print("\t".join(vals))


def medians(path):
    groups = {}
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            groups.setdefault((r["kind"], r["mode"], int(r["size"])), []).append(r)
    print("# medians over repetitions (min..max); rx = mean over the N receiving nodes of one run")
    def m(rs, col, digits=1):
        xs = [float(r[col]) for r in rs if r.get(col, "-") not in ("-", "", "None")]
        if not xs:
            return "-"
        return f"{statistics.median(xs):.{digits}f} ({min(xs):.{digits}f}..{max(xs):.{digits}f})"
    for (kind, mode, size) in sorted(groups, key=lambda k: (k[0] != "thr", k[1] != "one", k[2])):
        rs = groups[(kind, mode, size)]
        order = " ".join(r["order_ok"] for r in rs)
        st = " ".join(r["status"] for r in rs)
        gaps = sum(int(r["gaps"]) for r in rs)
        if kind == "thr":
            print(f"thr\t{mode}\t{size}\tmsgs/s {m(rs, 'rx_msgs_s')}\tMB/s {m(rs, 'rx_MBps', 3)}\tmusterd_cpu_s(sum of nodes) {m(rs, 'musterd_cpu_s', 2)}\toneway_p50_us {m(rs, 'oneway_p50_us')}"
                  f"\toneway_p99_us {m(rs, 'oneway_p99_us')}\tgaps={gaps}\torder_ok:{order}\tstatus:{st}")
        else:
            print(f"lat\t{mode}\t{size}\tself_p50_us {m(rs, 'lat_p50_us')}\tself_p99_us {m(rs, 'lat_p99_us')}"
                  f"\tmin_us {m(rs, 'lat_min_us')}\tmax_us {m(rs, 'lat_max_us')}\toneway_p50_us {m(rs, 'oneway_p50_us')}"
                  f"\toneway_p99_us {m(rs, 'oneway_p99_us')}\tgaps={gaps}\torder_ok:{order}\tstatus:{st}")


if __name__ == "__main__":
    if sys.argv[1] == "header":
        print("\t".join(COLS))
    elif sys.argv[1] == "run":
        run(*sys.argv[2:8])
    else:
        medians(sys.argv[2])
