#!/usr/bin/env bash
# Metrics (issue 11, item 5): `sixctl stats -o prometheus` and sixd's
# `metrics listen` HTTP endpoint, read by a real parser
# (python3-prometheus-client's text parser from Debian).
#
# sixd runs a TAP towards the kernel, ESP transport SAs for UDP with
# scapy's ESP on the kernel side (this kernel has no xfrm ESP), and a gif
# whose name needs escaping (a double quote and a backslash). UDP echo
# through ESP, a replayed packet and one with a bad ICV make the SA and
# interface counters move. Then: every counter of `sixctl -j stats -a`, every interface's RX/TX
# and every SA's packets/bytes/drops appear in both outputs with a value
# between a JSON read before and one after; the SA carries spi/src/dst/
# proto/dir labels. `metrics listen` on IPv6 and IPv4, `off`, refusals
# (exit status, message, old listener kept), `config show`, a reload that
# changes and then removes the line. Hostile HTTP: other methods
# (405), other paths (404), garbage (400), a head that never ends (431), a
# slowloris client (closed after the request timeout), more idle
# connections than the cap (a scrape still gets through); sixd serves on.
. "$(dirname "$0")/lib.sh"
need_root

if ! "$PY" -c 'import prometheus_client.parser' 2>/dev/null; then
  fail "$T_NAME" "python3-prometheus-client is missing (scripts/deps installs it)"
  finish
fi
CHECK="$PY $(dirname "$0")/metrics_check.py"

M=$(ns_add metrics) || { fail "netns"; finish; }

KEY_OUT=0x0102030405060708090a0b0c0d0e0f1011121314   # sixd -> kernel, AES-GCM-128 key + salt
KEY_IN=0x2122232425262728292a2b2c2d2e2f3031323334    # kernel -> sixd
cat > "$W/m.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::1/64 dev tap0
serve echo
metrics listen [::1]:9177
ipsec exec "add 2001:db8:1::1 2001:db8:1::2 esp 0x1001 -m transport -E aes-gcm-16 $KEY_OUT; add 2001:db8:1::2 2001:db8:1::1 esp 0x1002 -m transport -E aes-gcm-16 $KEY_IN; spdadd 2001:db8:1::1 2001:db8:1::2 udp -P out ipsec esp/transport//require; spdadd 2001:db8:1::2 2001:db8:1::1 udp -P in ipsec esp/transport//require;"
CONF
if sixd_start m "$M" "$W/m.conf"; then ok "sixd starts with metrics listen [::1]:9177 in its configuration"
else fail "sixd starts with metrics listen [::1]:9177 in its configuration"; finish; fi

ip -n "$M" addr add 2001:db8:1::2/64 dev tap0 nodad
ip -n "$M" link set tap0 up

# scapy's ESP against sixd: three echoed datagrams, a replay, a bad ICV
# (ICMPv6 is not under the policies: a ping waits for sixd's DAD to finish)
nsrun "$M" ping -6 -c 1 -w 5 2001:db8:1::1 >/dev/null 2>&1 || note "sixd does not answer ping"
MAC=$(ctl m -j link show tap0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
out=$(nsrun "$M" $CHECK esp tap0 2001:db8:1::1 2001:db8:1::2 $KEY_IN $KEY_OUT "$MAC" 2>&1)
if [[ $out == *"echoed 3"* ]]; then ok "UDP echo through ESP with scapy"
else fail "UDP echo through ESP with scapy" "$out"; fi

GIFNAME='g"\x'            # a label value that must be escaped
check "a gif named g\"\\x" ctl m link add "$GIFNAME" type gif local 192.0.2.1 remote 192.0.2.2

# --- the comparisons: JSON before, both Prometheus outputs, JSON after
snap() {
  ctl m -j stats -a > "$W/stats$1.json" && ctl m -j link show > "$W/links$1.json" &&
    ctl m -j ipsec sa > "$W/sa$1.json"
}
snap 1
ctl m stats -o prometheus > "$W/sixctl.prom"; rc1=$?
nsrun "$M" curl -sS -o "$W/http.prom" -D "$W/http.head" -g 'http://[::1]:9177/metrics'; rc2=$?
snap 2
[[ $rc1 == 0 && -s $W/sixctl.prom ]] && ok "sixctl stats -o prometheus" || fail "sixctl stats -o prometheus" "rc=$rc1"
[[ $rc2 == 0 && -s $W/http.prom ]] && ok "curl http://[::1]:9177/metrics" || fail "curl http://[::1]:9177/metrics" "rc=$rc2"
if grep -qi '^Content-Type: text/plain; version=0.0.4' "$W/http.head"; then ok "Content-Type text/plain; version=0.0.4"
else fail "Content-Type text/plain; version=0.0.4" "$(cat "$W/http.head")"; fi

for src in sixctl http; do
  if out=$($CHECK compare "$W" "$W/$src.prom" 2>&1); then
    ok "$src: parsed; every counter, interface and SA present with its value"
  else fail "$src: parsed; every counter, interface and SA present with its value" "$out"; fi
  if [[ $out == *"dirs 0x1001=out 0x1002=in"* ]]; then ok "$src: SA direction labels"
  else fail "$src: SA direction labels" "$out"; fi
done
note "$($CHECK compare "$W" "$W/http.prom" | tail -1)"

# the values moved: the check is not comparing zeros with zeros
if grep -q '^sixstack_ipsec_sa_packets_total{spi="0x1002",src="2001:db8:1::2",dst="2001:db8:1::1",proto="esp",dir="in"} [1-9]' "$W/sixctl.prom" &&
   grep -q '^sixstack_ipsec_sa_packets_total{spi="0x1001",src="2001:db8:1::1",dst="2001:db8:1::2",proto="esp",dir="out"} [1-9]' "$W/sixctl.prom" &&
   grep -q '^sixstack_ipsec_sa_drop_total{spi="0x1002",src="2001:db8:1::2",dst="2001:db8:1::1",proto="esp",dir="in",reason="replay"} 1$' "$W/sixctl.prom" &&
   grep -q '^sixstack_ipsec_sa_drop_total{spi="0x1002",src="2001:db8:1::2",dst="2001:db8:1::1",proto="esp",dir="in",reason="icv"} 1$' "$W/sixctl.prom" &&
   grep -q '^sixstack_if_rx_packets_total{ifname="tap0"} [1-9]' "$W/sixctl.prom" &&
   grep -q '^sixstack_udp_in_datagrams_total [1-9]' "$W/sixctl.prom"; then
  ok "SA (packets, replay, ICV), interface and UDP counters are nonzero, with their labels"
else fail "SA (packets, replay, ICV), interface and UDP counters are nonzero, with their labels" \
  "$(grep -e ipsec_sa_packets -e ipsec_sa_drop -e 'if_rx_packets' -e udp_in_datagrams "$W/sixctl.prom")"; fi
if grep -qF 'sixstack_if_tx_packets_total{ifname="g\"\\x"}' "$W/sixctl.prom"; then
  ok "label value escaped (\" and \\)"
else fail "label value escaped (\" and \\)" "$(grep 'if_tx_packets' "$W/sixctl.prom")"; fi
if "$PY" - "$W/http.prom" "$GIFNAME" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
names = {s.labels.get('ifname') for f in text_string_to_metric_families(open(sys.argv[1]).read())
         for s in f.samples if f.name == 'sixstack_if_up'}
sys.exit(0 if sys.argv[2] in names and 'tap0' in names else 1)
EOF
then ok "the parser reads the escaped interface name back"
else fail "the parser reads the escaped interface name back"; fi
if grep -q '^sixstack_uptime_seconds [0-9]' "$W/sixctl.prom" && grep -q '^sixstack_ipsec_sas 2$' "$W/sixctl.prom" &&
   grep -q '^sixstack_neighbors{family="ipv6"} [1-9]' "$W/sixctl.prom"; then
  ok "gauges: uptime, SAs, neighbors"
else fail "gauges: uptime, SAs, neighbors" "$(grep -v '^#' "$W/sixctl.prom" | tail -12)"; fi

# --- usage: stats -o, metrics listen refusals
ctl m stats -o yaml >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] && ok "stats -o yaml: exit 2" || fail "stats -o yaml: exit 2" "rc=$rc"
err=$(ctl m metrics listen ::1:9177 2>&1); rc=$?
if [[ $rc == 2 && $err == *"brackets"* ]]; then ok "metrics listen ::1:9177: exit 2, IPv6 goes in [ ]"
else fail "metrics listen ::1:9177: exit 2, IPv6 goes in [ ]" "rc=$rc $err"; fi
err=$(ctl m metrics listen 192.0.2.77:9177 2>&1); rc=$?
if [[ $rc == 1 && $err == *"Cannot assign requested address"* && $(ctl m metrics show) == "listen [::1]:9177 path /metrics" ]]; then
  ok "metrics listen on an address the host lacks: exit 1, the old listener stays"
else fail "metrics listen on an address the host lacks: exit 1, the old listener stays" "rc=$rc $err"; fi

# --- IPv4, then off
if ctl m metrics listen 127.0.0.1:9178 && [[ $(ctl m -j metrics show) == '{"listen":"127.0.0.1:9178","path":"/metrics"}' ]] &&
   nsrun "$M" curl -sf -o /dev/null http://127.0.0.1:9178/metrics &&
   ! nsrun "$M" curl -s -o /dev/null -g 'http://[::1]:9177/metrics'; then
  ok "metrics listen 127.0.0.1:9178 moves the endpoint"
else fail "metrics listen 127.0.0.1:9178 moves the endpoint"; fi
if ctl m metrics listen off && [[ $(ctl m metrics show) == off ]] &&
   ! nsrun "$M" curl -s -o /dev/null http://127.0.0.1:9178/metrics; then
  ok "metrics listen off"
else fail "metrics listen off"; fi
check "metrics listen [::]:9177 (every address)" ctl m metrics listen '[::]:9177'
if [[ $(ctl m config show) == *$'\nmetrics listen [::]:9177\n'* ]]; then ok "config show has metrics listen [::]:9177"
else fail "config show has metrics listen [::]:9177" "$(ctl m config show)"; fi

# --- hostile HTTP
H() { nsrun "$M" $CHECK http ::1 9177 "$1" 2>&1; }
out=$(H post)
if [[ $out == 405* && $out == *"Allow: GET, HEAD"* ]]; then ok "POST: 405 with Allow"; else fail "POST: 405 with Allow" "$out"; fi
out=$(H notfound)
[[ $out == 404* ]] && ok "GET /secret: 404" || fail "GET /secret: 404" "$out"
out=$(H garbage)
[[ $out == 400* ]] && ok "a TLS hello: 400" || fail "a TLS hello: 400" "$out"
out=$(H long | head -1)
if [[ $out == 431* || $out == closed ]]; then ok "a head that never ends: 431 ($out)"
else fail "a head that never ends: 431" "$out"; fi

# more idle connections than the cap: the oldest ones make room
nsrun "$M" "$PY" - > "$W/flood.out" 2>&1 <<'EOF' &
import socket, time
socks = []
for i in range(40):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.connect(('::1', 9177))
    s.send(b'GET /')
    socks.append(s)
print('open', flush=True)
time.sleep(3)
EOF
floodpid=$!
track_pid "$floodpid"
for ((i = 0; i < 50; i++)); do [[ -s $W/flood.out ]] && break; sleep 0.1; done
t0=$(date +%s%N)
out=$(H get | head -1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [[ $out == 200 && $(cat "$W/flood.out") == open ]]; then ok "a scrape gets through 40 idle connections (${ms} ms)"
else fail "a scrape gets through 40 idle connections" "$out $(cat "$W/flood.out")"; fi
wait "$floodpid"

# slowloris: a byte a second is closed once the request timeout (5 s) is up
out=$(H slow)
if [[ $out == "closed after"* ]]; then
  secs=${out#closed after }; secs=${secs%% *}
  if "$PY" -c "import sys; sys.exit(0 if 4 <= $secs <= 8 else 1)"; then ok "slowloris closed after the request timeout ($out)"
  else fail "slowloris closed after the request timeout" "$out"; fi
else fail "slowloris closed after the request timeout" "$out"; fi
st=$(ctl m -j stats -a)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
want = {"metrics.http_bad_method": 1, "metrics.http_not_found": 1, "metrics.http_bad_request": 1,
        "metrics.http_too_long": 1, "metrics.http_evicted": 20, "metrics.http_timeout": 1,
        "metrics.scrapes": 3}
bad = [k for k, v in want.items() if d[k] < v]
print(" ".join("%s=%d" % (k, d[k]) for k in sorted(want)))
sys.exit(1 if bad else 0)' "$st" > "$W/ctr.out" 2>&1; then ok "metrics.* counters: $(cat "$W/ctr.out")"
else fail "metrics.* counters" "$(cat "$W/ctr.out")"; fi
out=$(H get | head -1)
[[ $out == 200 ]] && ok "sixd still serves /metrics after the abuse" || fail "sixd still serves /metrics after the abuse" "$out"

# reload: a changed metrics listen line moves the endpoint, a removed one turns it off
sed -i 's/^metrics listen .*/metrics listen 127.0.0.1:9179/' "$W/m.conf"
if ctl m reload >/dev/null 2>&1 && [[ $(ctl m metrics show) == "listen 127.0.0.1:9179 path /metrics" ]] &&
   nsrun "$M" curl -sf -o /dev/null http://127.0.0.1:9179/metrics &&
   ! nsrun "$M" curl -s -o /dev/null -g 'http://[::]:9177/metrics'; then
  ok "reload with a changed metrics listen line moves the endpoint"
else fail "reload with a changed metrics listen line moves the endpoint" "$(ctl m metrics show; tail -5 "$W/m.log")"; fi
sed -i '/^metrics listen/d' "$W/m.conf"
if ctl m reload >/dev/null 2>&1 && [[ $(ctl m metrics show) == off ]] && [[ $(ctl m ipsec sa | grep -c mature) == 2 ]]; then
  ok "reload without the line turns it off (the SAs stay)"
else fail "reload without the line turns it off (the SAs stay)" "$(ctl m metrics show; tail -5 "$W/m.log")"; fi

if ctl m metrics listen "[::1]:9177" && sixd_stop m; then ok "sixd exits cleanly with the endpoint open"; else fail "sixd exits cleanly with the endpoint open"; fi
finish
