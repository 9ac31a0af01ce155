#!/bin/sh
# drain_https.sh - the drain endpoint with TLS: a self-signed certificate
# for 127.0.0.1 made by openssl at test time; curl trusting it posts a
# batch (200, the alert fires); TLS 1.1 is refused (TLS 1.2+ only);
# plain HTTP to the TLS port gets no answer; the printed drains:add
# command says https.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
command -v openssl >/dev/null 2>&1 || dw_skip "openssl not installed"
DRAIN_SCHEME=https
. tests/lib/drain.sh
drain_init

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 >"$T/openssl.log" 2>&1 ||
    { cat "$T/openssl.log"; dw_die "openssl could not make a certificate"; }
DRAIN_CURL_TLS="--cacert $T/cert.pem"

TS=$(now_ts)
frame "<134>1 $TS host app postgres.9 - [YELLOW] [5-1]  sql_error_code = 53300 FATAL:  too many connections for role \"tlsuser\"
" >"$T/body"
drain_config "$T/agent.yaml" "    tls_cert: $T/cert.pem
    tls_key: $T/key.pem"
drain_start "$T/agent.yaml"

c=$(post "$T/body" -H 'Logplex-Frame-Id: T1' -H 'Logplex-Msg-Count: 1')
[ "$c" = 200 ] && ok "https POST: 200" || bad "https POST: $c"
dw_wait_for 10 grep -q '"role":"tlsuser"' "$T/out" && ok "alert fired over https" ||
    bad "no alert over https"
c=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" \
    --data-binary "@$T/body" "$BASE/logs")
[ "$c" = 401 ] && ok "https without credentials: 401" || bad "no creds: $c"
# TLS 1.1 from a client willing to speak it (curl's own defaults would
# refuse it on the client side and prove nothing about the server).
echo Q | openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0' >"$T/s11" 2>&1
if grep -q 'Cipher is (NONE)' "$T/s11"; then
	ok "TLS 1.1 refused by the server"
elif grep -q 'Cipher is ' "$T/s11"; then
	bad "TLS 1.1 accepted"
else
	echo "note: TLS 1.1 not tested, this openssl cannot speak it"
fi
curl -s -o /dev/null --cacert "$T/cert.pem" --tlsv1.2 --tls-max 1.2 \
    "$BASE/healthz" && ok "TLS 1.2 accepted" || bad "TLS 1.2 refused"
c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$c" != 200 ] && ok "plain HTTP on the TLS port: no answer ($c)" ||
    bad "plain HTTP answered 200"
grep -q "heroku drains:add https://alice:PASSWORD@127.0.0.1:$PORT/logs" "$T/err" &&
    ok "drains:add command says https" || bad "hint: $(grep drains:add "$T/err")"
drain_stop
exit $drain_fail
