#!/usr/bin/env bash
# sixd's stub resolver against BIND 9: named (authoritative for example.test,
# every file under $W, no rndc, nothing of the host's /etc/bind) in a network
# namespace, sixd on a TAP in the same namespace with `dns server add`.
# Cases: A + AAAA in RFC 6724 order over an IPv6 and over an IPv4 server, a
# CNAME, NXDOMAIN (exit 1, negative cache), an answer larger than the EDNS
# size (TC=1 → TCP) with 120 records, and a PTR-free name with only AAAA.
# Then the clients by name: web.example.test is the Linux side (AAAA first,
# then A); `http get` from a dual-stack python http.server (the AAAA
# answers) and from an IPv4-only one (Linux refuses the AAAA, the A
# answers), byte-exact; `nc` TCP to an IPv4-only Linux listener (the same
# fallback) and `nc -u` to an IPv6 one (the first address); NXDOMAIN fails
# with the resolver's reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/named.sh"
need_root

if [[ ! -x $NAMED ]] || ! command -v dig >/dev/null; then
  skip "$T_NAME" "BIND 9 not installed (scripts/deps: bind9 bind9-utils bind9-dnsutils)"
  exit 0
fi

N=$(ns_add d) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
dns server add 2001:db8:1::1
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" sysctl -qw net.ipv6.conf.tap0.accept_dad=0
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
sleep 2   # sixd's DAD (1 s): no source address before it

# --- the zone and named, all under $W
{
  cat <<'ZONE'
$TTL 300
@       IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 30
@       IN NS  ns.example.test.
ns      IN AAAA 2001:db8:1::1
www     IN A    192.0.2.80
www     IN AAAA 2001:db8:1::80
alias   IN CNAME www
web     IN AAAA 2001:db8:1::1
web     IN A    192.0.2.1
v6      IN AAAA 2001:db8:1::86
ZONE
  for i in $(seq 1 60); do printf 'big IN AAAA 2001:db8:1::1:%x\n' "$i"; done
  for i in $(seq 1 60); do printf 'big IN A 198.51.100.%d\n' "$i"; done
} > "$W/example.test.zone"
up=0
named_start "$N" "$W/example.test.zone" 2001:db8:1::1 192.0.2.1 && up=1
if ((up)); then ok "named serves example.test in the namespace"
else fail "named serves example.test in the namespace"; finish; fi

# --- A + AAAA in RFC 6724 order: AAAA (precedence 40) before A (35)
want=$'2001:db8:1::80\n192.0.2.80'
out=$(ctl s resolve www.example.test 2>&1); rc=$?
if ((rc == 0)) && [[ $out == "$want" ]]; then ok "resolve www.example.test: both addresses, RFC 6724 order"
else fail "resolve www.example.test: both addresses, RFC 6724 order" "rc=$rc out=$out"; fi
out=$(ctl s resolve www.example.test -4 2>&1)
if [[ $out == 192.0.2.80 ]]; then ok "resolve -4"; else fail "resolve -4" "$out"; fi
out=$(ctl s -j resolve www.example.test 2>&1)
if is_json <<<"$out" && grep -q '"addresses":\["2001:db8:1::80","192.0.2.80"\]' <<<"$out"; then ok "resolve -j"
else fail "resolve -j" "$out"; fi
# the policy table changes the order: IPv4 (::ffff:0:0/96) above everything
ctl s addrsel add ::ffff:0:0/96 precedence 60 label 4 >/dev/null
ctl s dns cache flush
out=$(ctl s resolve www.example.test 2>&1)
if [[ $out == $'192.0.2.80\n2001:db8:1::80' ]]; then ok "sixctl addrsel reorders the answer"
else fail "sixctl addrsel reorders the answer" "$out"; fi
ctl s addrsel default >/dev/null

out=$(ctl s resolve alias.example.test 2>&1)
if [[ $out == "$want" ]]; then ok "CNAME followed"; else fail "CNAME followed" "$out"; fi

# --- NXDOMAIN: exit 1, then answered from the negative cache
q0=$(ctl s stats dns.queries)
ctl s resolve nope.example.test >/dev/null 2>&1; rc=$?
if ((rc == 1)); then ok "NXDOMAIN: resolve exits 1"; else fail "NXDOMAIN: resolve exits 1" "rc=$rc"; fi
q1=$(ctl s stats dns.queries)
ctl s resolve nope.example.test >/dev/null 2>&1; rc=$?
q2=$(ctl s stats dns.queries)
if ((rc == 1 && q1 > q0 && q2 == q1)); then ok "NXDOMAIN cached (no second query)"
else fail "NXDOMAIN cached (no second query)" "rc=$rc queries $q0 $q1 $q2"; fi

# --- larger than the EDNS size (1232): TC=1, then TCP
out=$(ctl s resolve big.example.test 2>&1); rc=$?
n6=$(grep -c '^2001:db8:1::1:' <<<"$out"); n4=$(grep -c '^198\.51\.100\.' <<<"$out")
first=$(head -1 <<<"$out")
tcp=$(ctl s stats dns.tcp_fallback)
if ((rc == 0 && n6 == 60 && n4 == 60 && tcp >= 1)) && [[ $first == 2001:db8:1::1:* ]]; then
  ok "answer > 512 octets: 120 addresses over TCP fallback, AAAA first"
else fail "answer > 512 octets: 120 addresses over TCP fallback, AAAA first" "rc=$rc aaaa=$n6 a=$n4 tcp=$tcp first=$first"; fi

# --- the same over an IPv4 server
ctl s dns server del 2001:db8:1::1
ctl s dns server add 192.0.2.1
ctl s dns cache flush
out=$(ctl s resolve www.example.test 2>&1)
if [[ $out == "$want" ]]; then ok "resolve through an IPv4 server"; else fail "resolve through an IPv4 server" "$out"; fi
out=$(ctl s resolve v6.example.test -4 2>&1); rc=$?
if ((rc == 1)); then ok "no A record: resolve -4 exits 1"; else fail "no A record: resolve -4 exits 1" "rc=$rc $out"; fi
out=$(ctl s -j dns show)
if is_json <<<"$out" && grep -q '"addr":"192.0.2.1"' <<<"$out"; then ok "dns show -j"
else fail "dns show -j" "$out"; fi

# --- the clients by name (the IPv4 server still in use)
mkdir -p "$W/lwww"
head -c 1000000 /dev/urandom > "$W/lwww/file"
wantf=$(sha256sum < "$W/lwww/file" | cut -d' ' -f1)
(cd "$W/lwww" && exec ip netns exec "$N" "$PY" -m http.server --bind :: 8001 >"$W/py6.log" 2>&1) &
track_pid $!
(cd "$W/lwww" && exec ip netns exec "$N" "$PY" -m http.server --bind 192.0.2.1 8000 >"$W/py4.log" 2>&1) &
track_pid $!
# one TCP connection read to its end, answered; one UDP datagram, answered
nsrun "$N" "$PY" - >"$W/pync.log" 2>&1 <<'PYEOF' &
import socket, threading
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("192.0.2.1", 9000)); t.listen(1)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("::", 9001))
def udp():
    d, a = u.recvfrom(2048)
    u.sendto(b"udp got " + d + b" from " + a[0].encode(), a)
threading.Thread(target=udp, daemon=True).start()
c, a = t.accept()
data = b""
while True:
    b = c.recv(4096)
    if not b: break
    data += b
c.sendall(b"linux got " + data + b" from " + a[0].encode())
c.close()
threading.Event().wait(10)
PYEOF
track_pid $!
for _ in $(seq 1 50); do
  l=$(nsrun "$N" ss -ltnu)
  grep -q ':8000 ' <<<"$l" && grep -q ':8001 ' <<<"$l" && grep -q ':9000 ' <<<"$l" && grep -q ':9001 ' <<<"$l" && break
  sleep 0.1
done
for c in "8001 py6.log 2001:db8:1::2 the AAAA answers" "8000 py4.log 192.0.2.2 the AAAA refused, the A answers"; do
  read -r port log from why <<<"$c"
  rm -f "$W/got"
  out=$(ctl s http get "http://web.example.test:$port/file" -o "$W/got" 2>&1)
  got=$(sha256sum < "$W/got" 2>/dev/null | cut -d' ' -f1)
  if [[ $out == "1000000 bytes sha256 $wantf -> $W/got" && $got == "$wantf" ]] && grep -q "^$from .*GET /file" "$W/$log"; then
    ok "http get http://web.example.test:$port/file byte-exact ($why)"
  else fail "http get http://web.example.test:$port/file byte-exact ($why)" "$out (file $got, want $wantf); $(tail -2 "$W/$log")"; fi
done
out=$(ctl s nc -N web.example.test 9000 'hello by name' 2>&1)
if [[ $out == "linux got hello by name from 192.0.2.2" ]]; then ok "nc web.example.test: the AAAA refused, the A answers"
else fail "nc web.example.test: the AAAA refused, the A answers" "$out"; fi
out=$(ctl s nc -u web.example.test 9001 'dgram by name' 2>&1)
if [[ $out == "udp got dgram by name from 2001:db8:1::2" ]]; then ok "nc -u web.example.test: to the first address (AAAA)"
else fail "nc -u web.example.test: to the first address (AAAA)" "$out"; fi
out=$(ctl s http get http://nope.example.test/ 2>&1); rc=$?
if ((rc == 1)) && [[ $out == *"cannot resolve 'nope.example.test': Name or service not known"* ]]; then
  ok "http get of an NXDOMAIN name: exit 1 with the reason"
else fail "http get of an NXDOMAIN name: exit 1 with the reason" "rc=$rc $out"; fi

drops=$(ctl s stats | grep '^dns\.drop' || true)
[[ -z $drops ]] || note "drop counters: $drops"
sixd_stop s
finish
