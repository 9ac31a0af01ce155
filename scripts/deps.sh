#!/bin/sh
# deps.sh - install what drainwatch needs to build and test, if missing.
# As root it runs apt-get; otherwise it prints the one command to run.
# --quiet prints nothing when everything is present.
set -e
# Builds whose dependencies come from elsewhere (Heroku's apt buildpack
# unpacks them without dpkg) skip the check.
[ "${DRAINWATCH_SKIP_DEPS:-0}" = 1 ] && exit 0
PKGS="build-essential pkg-config libpcre2-dev libyaml-dev libcjson-dev
libcurl4-openssl-dev libmicrohttpd-dev libvectorscan-dev libcmocka-dev
clang libclang-rt-14-dev curl openssl postgresql pgbouncer python3 python3-django
python3-psycopg2 gunicorn wrk systemd man-db"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "$1" = "--quiet" ] || echo "deps: all build and test dependencies present"
	exit 0
fi
echo "deps: missing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
