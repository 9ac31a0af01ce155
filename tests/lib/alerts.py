#!/usr/bin/env python3
"""alerts.py - print drainwatch's JSON alert lines (stdin) compactly, one per
line: AT STATUS RULE label=value,... count=N [value=V]. Used by e2e tests to
compare alerts with golden files without depending on summary wording."""
import json
import sys

for raw in sys.stdin:
    raw = raw.strip()
    if not raw.startswith("{"):
        continue
    ev = json.loads(raw)
    labels = ",".join("%s=%s" % (k, v) for k, v in sorted(ev["labels"].items())
                      if k != "alertname")
    status = "reminder" if ev.get("reminder") else ev["status"]
    out = "%s %s %s {%s} count=%s" % (ev["at"], status, ev["rule"], labels,
                                       ev["count"])
    if ev.get("value") is not None:
        out += " value=%s" % ev["value"]
    print(out)
