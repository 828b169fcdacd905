#!/usr/bin/env bash
# sixd's RFC 2136 update client (dstm update, src/dns/dnsu*.c) against BIND 9
# and Knot as primaries of example.test and 2.0.192.in-addr.arpa, each with
# its own TSIG key (hmac-sha256 for BIND, hmac-sha512 for Knot). The
# primaries run in namespace P (every file under $W, stopped by pid), sixd
# on a TAP in namespace S bridged to a veth into P. For each primary:
#   add host1 → dig answers the A and the PTR; a delete of another address
#   leaves it; the delete of its own address removes A and PTR; a name
#   whose update is bigger than 512 octets goes over TCP; a wrong secret →
#   the primary refuses (NOTAUTH + TSIG BADSIG), sixd counts it
#   (dnsu.tsig_badsig), the add ends "notauth" and the record is not there.
. "$(dirname "$0")/lib.sh"
need_root

NAMED=$(command -v named || echo /usr/sbin/named)
KNOTD=$(command -v knotd || echo /usr/sbin/knotd)
if ! command -v dig >/dev/null || ! command -v openssl >/dev/null; then
  skip "$T_NAME" "dig or openssl missing (scripts/deps: bind9-dnsutils)"
  exit 0
fi
have_bind=0; [[ -x $NAMED ]] && have_bind=1
have_knot=0; [[ -x $KNOTD ]] && have_knot=1
((have_bind)) || skip "$T_NAME: BIND 9" "named not installed (scripts/deps: bind9)"
((have_knot)) || skip "$T_NAME: Knot" "knotd not installed (scripts/deps: knot)"
((have_bind || have_knot)) || exit 0

P=$(ns_add p) || { fail "netns"; finish; }
S=$(ns_add s) || { fail "netns"; finish; }
veth "$P" vp "$S" vs || { fail "veth"; finish; }
nsrun "$P" sysctl -qw net.ipv6.conf.vp.accept_dad=0
for a in 2001:db8:1::1/64 2001:db8:1::3/64; do nsrun "$P" ip addr add "$a" dev vp nodad; done
for a in 192.0.2.1/24 192.0.2.3/24; do nsrun "$P" ip addr add "$a" dev vp; done

cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
CONF
sixd_start s "$S" "$W/s.conf" || { fail "sixd starts"; finish; }
tap_bridges "$S" vs
sleep 2   # sixd's DAD (1 s): no source address before it

ZONE_HEAD='$TTL 300
@ IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 30
@ IN NS ns.example.test.'
printf '%s\nns IN AAAA 2001:db8:1::1\n' "$ZONE_HEAD" > "$W/fwd.zone"
printf '%s\n' "${ZONE_HEAD//@ IN SOA/@ IN SOA}" > "$W/rev.zone"

# wait_primary SERVER PID: the primary (still running) answers the SOA of both zones
wait_primary() {
  local srv=$1 pid=$2 i
  for i in $(seq 1 80); do
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -n $(nsrun "$P" dig +time=1 +tries=1 +short @"$srv" example.test SOA 2>/dev/null) &&
          -n $(nsrun "$P" dig +time=1 +tries=1 +short @"$srv" 2.0.192.in-addr.arpa SOA 2>/dev/null) ]]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

start_bind() {
  local secret=$1 srv6=2001:db8:1::1 srv4=192.0.2.1
  mkdir -p "$W/named"
  cp "$W/fwd.zone" "$W/named/example.test.zone"
  cp "$W/rev.zone" "$W/named/rev.zone"
  : > "$W/named/bind.keys"
  cat > "$W/named.conf" <<CONF
key "upd-key" { algorithm hmac-sha256; secret "$secret"; };
key "$LONGKEY" { algorithm hmac-sha256; secret "$secret"; };
options {
    directory "$W/named";
    pid-file "$W/named.pid";
    session-keyfile "$W/named/session.key";
    managed-keys-directory "$W/named";
    bindkeys-file "$W/named/bind.keys";
    listen-on port 53 { $srv4; };
    listen-on-v6 port 53 { $srv6; };
    recursion no;
    dnssec-validation no;
    allow-query { any; };
};
controls { };
zone "example.test" { type primary; file "$W/named/example.test.zone";
    allow-update { key "upd-key"; key "$LONGKEY"; }; };
zone "2.0.192.in-addr.arpa" { type primary; file "$W/named/rev.zone";
    allow-update { key "upd-key"; key "$LONGKEY"; }; };
CONF
  nsrun "$P" "$NAMED" -c "$W/named.conf" -f -g > "$W/named.out" 2>&1 &
  track_pid $!
  BIND_PID=$!
  wait_primary "$srv6" "$BIND_PID" || { tail -20 "$W/named.out" >&2; return 1; }
}

start_knot() {
  local secret=$1
  mkdir -p "$W/knot/db"
  cp "$W/fwd.zone" "$W/knot/example.test.zone"
  cp "$W/rev.zone" "$W/knot/rev.zone"
  cat > "$W/knot.conf" <<CONF
server:
    rundir: "$W/knot"
    listen: [ 2001:db8:1::3@53, 192.0.2.3@53 ]
database:
    storage: "$W/knot/db"
log:
  - target: stderr
    any: info
key:
  - id: upd-key
    algorithm: hmac-sha512
    secret: $secret
  - id: $LONGKEY
    algorithm: hmac-sha512
    secret: $secret
acl:
  - id: upd
    key: [ upd-key, $LONGKEY ]
    action: update
template:
  - id: default
    storage: "$W/knot"
    zonefile-sync: -1
    acl: upd
zone:
  - domain: example.test
    file: "$W/knot/example.test.zone"
  - domain: 2.0.192.in-addr.arpa
    file: "$W/knot/rev.zone"
CONF
  nsrun "$P" "$KNOTD" -c "$W/knot.conf" > "$W/knot.out" 2>&1 &
  track_pid $!
  KNOT_PID=$!
  wait_primary 192.0.2.3 "$KNOT_PID" || { tail -20 "$W/knot.out" >&2; return 1; }
}

# poll_dig SRV NAME TYPE WANT: dig +short until it prints WANT ("" = nothing), 10 s
poll_dig() {
  local srv=$1 name=$2 type=$3 want=$4 out i
  for i in $(seq 1 50); do
    out=$(nsrun "$P" dig +time=1 +tries=1 +short @"$srv" "$name" "$type" 2>/dev/null)
    [[ $out == "$want" ]] && return 0
    sleep 0.2
  done
  note "dig @$srv $name $type: '$out', want '$want'"
  return 1
}

# recent NAME: the newest result text for NAME in `dstm update show -j`, waiting (10 s) for one
recent_result() {
  local name=$1 op=$2 tries=${3:-50} out i
  for i in $(seq 1 "$tries"); do
    out=$(ctl s -j dstm update show | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for r in d["recent"]:
    if r["name"] == sys.argv[1] and r["op"] == sys.argv[2]:
        print(r["text"]); break
' "$name" "$op")
    [[ -n $out ]] && { echo "$out"; return 0; }
    sleep 0.2
  done
  return 1
}

# A key name and a host name long enough that the update is over 512 octets: TCP.
L63=$(printf 'x%.0s' $(seq 1 63))
LONGKEY="$L63.$L63.$L63.key"
LONGHOST="$L63.$L63.$L63.host3.example.test"

run_primary() {   # IMPL ALG SRV SECRET
  local impl=$1 alg=$2 srv=$3 secret=$4
  local base=(dstm update server "$srv" zone example.test reverse 2.0.192.in-addr.arpa)
  check "$impl: dstm update server ($srv, $alg)" ctl s "${base[@]}" key upd-key "$alg" "$secret" ttl 120

  ctl s dstm update add host1.example.test 192.0.2.10
  if poll_dig "$srv" host1.example.test A 192.0.2.10; then ok "$impl: add → dig answers the A"
  else fail "$impl: add → dig answers the A" "$(ctl s dstm update show)"; fi
  if poll_dig "$srv" 10.2.0.192.in-addr.arpa PTR host1.example.test.; then ok "$impl: add → the PTR in 2.0.192.in-addr.arpa"
  else fail "$impl: add → the PTR in 2.0.192.in-addr.arpa"; fi
  ttl=$(nsrun "$P" dig +noall +answer @"$srv" host1.example.test A | awk '{print $2}')
  if [[ $ttl == 120 ]]; then ok "$impl: the configured TTL"; else fail "$impl: the configured TTL" "ttl=$ttl"; fi

  # a delete of another address leaves the record
  ctl s dstm update delete host1.example.test 192.0.2.11
  r=$(recent_result host1.example.test delete)
  if [[ $r == ok ]] && poll_dig "$srv" host1.example.test A 192.0.2.10; then
    ok "$impl: delete of another address: the A stays"
  else fail "$impl: delete of another address: the A stays" "result=$r"; fi

  ctl s dstm update delete host1.example.test 192.0.2.10
  if poll_dig "$srv" host1.example.test A "" && poll_dig "$srv" 10.2.0.192.in-addr.arpa PTR ""; then
    ok "$impl: delete → A and PTR gone"
  else fail "$impl: delete → A and PTR gone"; fi
  st=$(nsrun "$P" dig +time=1 +tries=1 @"$srv" host1.example.test A | grep -o 'status: [A-Z]*')
  if [[ $st == "status: NXDOMAIN" || $st == "status: NOERROR" ]]; then ok "$impl: dig after delete: ${st#status: }"
  else fail "$impl: dig after delete: NXDOMAIN/NODATA" "$st"; fi

  # over 512 octets (a long name, a long key name): TCP from the start
  t0=$(ctl s stats dnsu.sent_tcp)
  check "$impl: long key name" ctl s "${base[@]}" key "$LONGKEY" "$alg" "$secret"
  ctl s dstm update add "$LONGHOST" 192.0.2.30
  if poll_dig "$srv" "$LONGHOST" A 192.0.2.30 && (($(ctl s stats dnsu.sent_tcp) > t0)); then
    ok "$impl: an update over 512 octets goes over TCP"
  else fail "$impl: an update over 512 octets goes over TCP" "$(ctl s dstm update show; ctl s stats dnsu.sent_tcp)"; fi
  ctl s dstm update delete "$LONGHOST" 192.0.2.30

  # a wrong secret: refused, counted, not there
  wrong=$(openssl rand 32 | base64 -w0)
  b0=$(ctl s stats dnsu.tsig_badsig)
  check "$impl: wrong secret configured" ctl s "${base[@]}" key upd-key "$alg" "$wrong"
  ctl s dstm update add host2.example.test 192.0.2.20
  # an unsigned BADSIG/BADKEY could be forged by anyone on the path: sixd
  # waits out its attempts (1+2+4+8+16 s) for a signed answer before NOTAUTH
  r=$(recent_result host2.example.test add 200)
  b1=$(ctl s stats dnsu.tsig_badsig)
  if [[ $r == notauth ]] && ((b1 > b0)); then ok "$impl: wrong key: NOTAUTH/BADSIG, counted (dnsu.tsig_badsig $b0 → $b1)"
  else fail "$impl: wrong key: NOTAUTH/BADSIG, counted" "result=$r badsig $b0 → $b1"; fi
  out=$(nsrun "$P" dig +time=1 +tries=1 +short @"$srv" host2.example.test A)
  if [[ -z $out ]]; then ok "$impl: wrong key: the record is not there"
  else fail "$impl: wrong key: the record is not there" "$out"; fi
  check "$impl: dstm update off" ctl s dstm update off
}

SECRETS=()
if ((have_bind)); then
  SECRET=$(openssl rand 32 | base64 -w0); SECRETS+=("$SECRET")
  if start_bind "$SECRET"; then
    ok "BIND 9 primary for example.test and 2.0.192.in-addr.arpa"
    run_primary bind hmac-sha256 2001:db8:1::1 "$SECRET"
    kill -TERM "$BIND_PID" 2>/dev/null
    wait "$BIND_PID" 2>/dev/null
  else fail "BIND 9 primary starts"; fi
fi

if ((have_knot)); then
  SECRET=$(openssl rand 64 | base64 -w0); SECRETS+=("$SECRET")
  if start_knot "$SECRET"; then
    ok "Knot primary for example.test and 2.0.192.in-addr.arpa"
    run_primary knot hmac-sha512 192.0.2.3 "$SECRET"
    kill -TERM "$KNOT_PID" 2>/dev/null
  else fail "Knot primary starts"; fi
fi

out=$(ctl s -j dstm update show)
if is_json <<<"$out" && grep -q '"running":false' <<<"$out"; then ok "dstm update show -j"
else fail "dstm update show -j" "$out"; fi
# (sixd -d echoes every control request at debug level, this one too:
# src/sixd/control.c; those lines are left out here)
shown=$(ctl s dstm update show; ctl s -j dstm update show; grep -v 'debug: ctl\[' "$W/s.log")
leaked=0
for sec in "${SECRETS[@]}"; do grep -qF -- "$sec" <<<"$shown" && leaked=1; done
if ((!leaked)); then ok "the secrets are never shown or logged"
else fail "the secrets are never shown or logged"; fi
finish
