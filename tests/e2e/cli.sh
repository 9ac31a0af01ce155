#!/bin/sh
# cli.sh - the command line: --help, --version, check (every error with
# file:line:col, exit 1), test (per-test lines, N passed, exit status),
# unknown commands.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

"$DW" --version | grep -q '^drainwatch [0-9]' && ok version || bad version
"$DW" --help | grep -q 'drainwatch replay' && ok help || bad help
"$DW" frobnicate >/dev/null 2>&1; [ $? = 2 ] && ok "unknown command exits 2" || bad "unknown command"

out=$("$DW" check -c agent.yaml 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q '^configuration OK' && ok "check shipped config" || { bad "check shipped config"; echo "$out"; }

# A config and a rule file with several mistakes: all reported, located.
mkdir -p "$tmp/rules"
cat >"$tmp/agent.yaml" <<YAML
rules: ["$tmp/rules/*.yaml"]
limits:
  lateness: soon
  keys_per_rulez: 5
YAML
cat >"$tmp/rules/bad.yaml" <<'YAML'
rules:
  - name: one
    pattern: 'FATAL:  (unclosed'
  - name: two
    pattern: 'x(?<n>[0-9]+)'
    treshold: 3
    window: 5 minutes
    summary: 'n is {{nn}}'
YAML
"$DW" check -c "$tmp/agent.yaml" >"$tmp/out" 2>&1; rc=$?
[ $rc = 1 ] && ok "check exits 1" || bad "check exit $rc"
for want in "$tmp/agent.yaml:3:13: bad duration" \
    "$tmp/agent.yaml:4:3: unknown key \"keys_per_rulez\""; do
	grep -qF "$want" "$tmp/out" && ok "reports: $want" || { bad "missing: $want"; cat "$tmp/out"; }
done
# Rules load once the config is fixed: every rule error, with location.
printf 'rules: ["%s/rules/*.yaml"]\n' "$tmp" >"$tmp/agent.yaml"
"$DW" check -c "$tmp/agent.yaml" >"$tmp/out" 2>&1; rc=$?
for want in "bad.yaml:3:14: pattern does not compile at offset" \
    "bad.yaml:6:5: unknown key \"treshold\"" \
    "bad.yaml:7:13: bad duration \"5 minutes\"" \
    "bad.yaml:8:20: template: unknown label \"nn\""; do
	grep -qF "$want" "$tmp/out" && ok "reports: $want" || { bad "missing: $want"; cat "$tmp/out"; }
done
[ $rc = 1 ] && ok "check of bad rules exits 1" || bad "bad rules exit $rc"

# drainwatch test: the shipped rules pass; a wrong expectation fails.
"$DW" test rules/ >"$tmp/out" 2>&1; rc=$?
[ $rc = 0 ] && tail -1 "$tmp/out" | grep -q '^[0-9]* passed, 0 failed$' && ok "shipped rule tests" || { bad "shipped rule tests"; cat "$tmp/out"; }
cat >"$tmp/t.yaml" <<'YAML'
rules:
  - name: boom
    pattern: 'boom (?<where>\w+)'
tests:
  - name: passes
    input: ['2024-01-01T00:00:00Z boom here']
    expect:
      alerts: [{rule: boom, status: firing, labels: {where: here}}]
  - name: fails on purpose
    input: ['2024-01-01T00:00:00Z boom here']
    run_until: 10m
    expect:
      alerts: [{rule: boom, status: firing, labels: {where: there}}]
YAML
"$DW" test "$tmp/t.yaml" >"$tmp/out" 2>&1; rc=$?
[ $rc = 1 ] && ok "failing rule test exits 1" || bad "failing rule test exit $rc"
grep -q "^ok   .*: passes" "$tmp/out" && grep -q "^FAIL .*: fails on purpose" "$tmp/out" &&
    grep -q "t.yaml:13:.*expected label where=there" "$tmp/out" &&
    grep -q "^1 passed, 1 failed" "$tmp/out" && ok "test output" || { bad "test output"; cat "$tmp/out"; }
exit $fail
