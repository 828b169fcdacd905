#!/usr/bin/env bash
# dig (BIND's) against sixd's authoritative DNS server (`dstm dns`): sixd on
# a TAP in a namespace, the namespace's own kernel as the client.
#   - AAAA over UDP to sixd's IPv6 and IPv4 addresses, AA set, RA clear
#     (`dig +norec`), the question's letter case echoed;
#   - the same over TCP (+tcp), with EDNS (+edns=0: OPT back with 1232) and
#     without (+noedns: no OPT), EDNS version 1 (BADVERS);
#   - dig -x: PTR in ip6.arpa; NXDOMAIN with the SOA in authority; REFUSED
#     outside the zone; the SOA serial moves when a host is added;
#   - `sixctl dstm dns show` (-j is JSON) and the dnsd counters.
. "$(dirname "$0")/lib.sh"
need_root
command -v dig >/dev/null || { skip "$T_NAME" "needs dig (bind9-dnsutils)"; exit 0; }

N=$(ns_add dnsd) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
dstm dns zone aiih.example.test ttl 120
dstm dns host h1.aiih.example.test 2001:db8:1::101
dstm dns host h2.aiih.example.test 2001:db8:1::102
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" sysctl -qw net.ipv6.conf.tap0.accept_dad=0
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
sleep 1.5   # sixd's DAD (1 s)

D() { nsrun "$N" dig +time=2 +tries=2 "$@" 2>&1; }

for srv in 2001:db8:1::2 192.0.2.2; do
  out=$(D @"$srv" +norec H1.Aiih.Example.Test AAAA)
  if grep -q "status: NOERROR" <<<"$out" && grep -Eq "flags: qr aa;" <<<"$out" &&
     grep -Eq "^H1\.Aiih\.Example\.Test\.[[:space:]]+120[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+2001:db8:1::101" <<<"$out"; then
    ok "dig @$srv +norec AAAA: AA, no RA, answer, case echoed"
  else fail "dig @$srv +norec AAAA: AA, no RA, answer, case echoed" "$out"; fi
done

out=$(D @2001:db8:1::2 +tcp h2.aiih.example.test AAAA)
if grep -q "status: NOERROR" <<<"$out" && grep -q "2001:db8:1::102" <<<"$out" && grep -q "(TCP)" <<<"$out"; then
  ok "dig +tcp AAAA"
else fail "dig +tcp AAAA" "$out"; fi

out=$(D @192.0.2.2 +tcp +keepopen h1.aiih.example.test AAAA h2.aiih.example.test AAAA)
n=$(grep -c "status: NOERROR" <<<"$out")
if ((n == 2)); then ok "dig +tcp +keepopen: two queries on one connection"
else fail "dig +tcp +keepopen: two queries on one connection" "$out"; fi

out=$(D @2001:db8:1::2 +edns=0 +bufsize=4096 h1.aiih.example.test AAAA)
if grep -q "EDNS: version: 0" <<<"$out" && grep -q "udp: 1232" <<<"$out"; then ok "dig +edns: OPT echoed, udp 1232"
else fail "dig +edns: OPT echoed, udp 1232" "$out"; fi
out=$(D @2001:db8:1::2 +noedns h1.aiih.example.test AAAA)
if grep -q "status: NOERROR" <<<"$out" && ! grep -q "OPT PSEUDOSECTION" <<<"$out"; then ok "dig +noedns: no OPT"
else fail "dig +noedns: no OPT" "$out"; fi
out=$(D @2001:db8:1::2 +edns=1 +noednsneg h1.aiih.example.test AAAA)
if grep -q "status: BADVERS" <<<"$out"; then ok "dig +edns=1: BADVERS"
else fail "dig +edns=1: BADVERS" "$out"; fi

out=$(D @2001:db8:1::2 -x 2001:db8:1::101)
if grep -q "status: NOERROR" <<<"$out" && grep -Eq "IN[[:space:]]+PTR[[:space:]]+h1\.aiih\.example\.test\." <<<"$out"; then
  ok "dig -x: PTR in ip6.arpa"
else fail "dig -x: PTR in ip6.arpa" "$out"; fi

out=$(D @2001:db8:1::2 nobody.aiih.example.test AAAA)
if grep -q "status: NXDOMAIN" <<<"$out" && grep -Eq "^aiih\.example\.test\..*SOA" <<<"$out"; then
  ok "NXDOMAIN with the SOA in authority"
else fail "NXDOMAIN with the SOA in authority" "$out"; fi

out=$(D @2001:db8:1::2 www.example.org A)
if grep -q "status: REFUSED" <<<"$out"; then ok "REFUSED outside the zone"
else fail "REFUSED outside the zone" "$out"; fi

s1=$(D @2001:db8:1::2 +short aiih.example.test SOA | awk '{print $3}')
ctl s dstm dns host h3.aiih.example.test 2001:db8:1::103 >/dev/null
s2=$(D @2001:db8:1::2 +short aiih.example.test SOA | awk '{print $3}')
out=$(D @2001:db8:1::2 +short h3.aiih.example.test AAAA)
if [[ -n $s1 && $s2 == $((s1 + 1)) && $out == 2001:db8:1::103 ]]; then ok "host added: answered, SOA serial + 1"
else fail "host added: answered, SOA serial + 1" "serial $s1 -> $s2, AAAA '$out'"; fi

out=$(ctl s dstm dns show)
if grep -q "zone aiih.example.test" <<<"$out" && grep -q "hosts 3" <<<"$out"; then ok "sixctl dstm dns show"
else fail "sixctl dstm dns show" "$out"; fi
if ctl s -j dstm dns show | is_json; then ok "sixctl -j dstm dns show is JSON"
else fail "sixctl -j dstm dns show is JSON"; fi
out=$(ctl s stats)
# three TCP queries on two connections: +keepopen reused its own
if grep -Eq "dnsd\.queries[[:space:]:]+[1-9]" <<<"$out" && grep -Eq "dnsd\.badvers[[:space:]:]+1\b" <<<"$out" &&
   grep -Eq "dnsd\.tcp_queries[[:space:]:]+3\b" <<<"$out" && grep -Eq "dnsd\.tcp_accepted[[:space:]:]+2\b" <<<"$out"; then
  ok "dnsd counters (3 TCP queries, 2 connections)"
else fail "dnsd counters" "$(grep dnsd <<<"$out")"; fi
finish
