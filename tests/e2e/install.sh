#!/bin/sh
# install.sh - `make install DESTDIR=... PREFIX=...` lays out the binary,
# rules, configuration, man page and systemd unit; the installed agent
# checks clean; the unit passes `systemd-analyze verify`.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
make -s install BUILD="$BUILD_DIR" DESTDIR="$tmp/d" PREFIX=/usr/local >/dev/null || { echo "FAIL: make install"; exit 1; }
for f in usr/local/bin/drainwatch usr/local/share/drainwatch/rules/postgres.yaml \
    usr/local/share/drainwatch/rules/heroku.yaml usr/local/share/drainwatch/agent.yaml.example \
    etc/drainwatch/agent.yaml usr/local/share/man/man1/drainwatch.1 \
    lib/systemd/system/drainwatch.service; do
	[ -f "$tmp/d/$f" ] && echo "ok: $f" || { echo "FAIL: missing $f"; fail=1; }
done
[ -x "$tmp/d/usr/local/bin/drainwatch" ] || { echo "FAIL: binary not executable"; fail=1; }
grep -q '^ExecStart=/usr/local/bin/drainwatch run -c /etc/drainwatch/agent.yaml$' \
    "$tmp/d/lib/systemd/system/drainwatch.service" && echo "ok: unit paths" || { echo "FAIL: unit paths"; fail=1; }
# The installed configuration names the installed rules.
sed "s|/usr/local/share|$tmp/d/usr/local/share|" "$tmp/d/etc/drainwatch/agent.yaml" >"$tmp/agent.yaml"
"$tmp/d/usr/local/bin/drainwatch" check -c "$tmp/agent.yaml" | grep -q "configuration OK: .* rules from 5 files" &&
    echo "ok: installed config checks" || { echo "FAIL: installed config"; fail=1; }
if command -v man >/dev/null 2>&1; then
	man -l "$tmp/d/usr/local/share/man/man1/drainwatch.1" 2>/dev/null | grep -q 'drainwatch explain' &&
	    echo "ok: man page renders" || { echo "FAIL: man page"; fail=1; }
fi
# systemd-analyze needs the unit's programs where the unit says they are:
# install once more with PREFIX inside the temp dir.
if command -v systemd-analyze >/dev/null 2>&1; then
	make -s install BUILD="$BUILD_DIR" PREFIX="$tmp/v/usr" SYSCONFDIR="$tmp/v/etc" \
	    UNITDIR="$tmp/v/lib/systemd/system" >/dev/null
	if systemd-analyze verify --man=no "$tmp/v/lib/systemd/system/drainwatch.service"; then
		echo "ok: systemd-analyze verify"
	else
		echo "FAIL: systemd-analyze verify"; fail=1
	fi
else
	echo "FAIL: systemd-analyze not installed (scripts/deps.sh installs systemd)"; fail=1
fi
exit $fail
