#!/usr/bin/env bash
# sixctl as an ip(8) user meets it (issue 11 item 6), against a real sixd:
# - `sixctl help`, `help VERB` and `-h` come from the verb table and work
#   without sixd; contrib/bash-completion/sixctl offers the same verbs and
#   completes them (and interface names from a running sixd);
# - every refusal exits 1 or 2 with its reason on stderr and leaves what
#   `show` printed unchanged: route add (link-local gateway without dev, a
#   gateway not on-link, an existing route), neigh add|del, addr flush,
#   ping -I ADDR / ping NAME; the accepted forms work against the kernel
#   on the other side of the TAP (route replace, a PERMANENT neighbor,
#   ping -I, ra show, ipsec sa's NAT-T ports, link show's last rx).
. "$(dirname "$0")/lib.sh"
need_root

ROOT=$PWD
COMP=$ROOT/contrib/bash-completion/sixctl

# --- help without sixd
verbs_help=$("$SIXCTL" -s "$W/none.sock" help 2>&1 | sed -n 's/^\([a-z0-9]*\): .*/\1/p' | sort | tr '\n' ' ')
verbs_h=$("$SIXCTL" -h 2>&1 | sed -n '/^verbs/,$ s/^\([a-z0-9]*\): .*/\1/p' | sort | tr '\n' ' ')
verbs_comp=$(sed -n 's/^_sixctl_verbs="\(.*\)"/\1/p' "$COMP" | tr ' ' '\n' | sort | tr '\n' ' ')
if [[ -n $verbs_help && $verbs_help == "$verbs_h" && $verbs_help == "$verbs_comp" ]]; then
  ok "help, -h and the completion file list the same verbs, without sixd"
else fail "help, -h and the completion file list the same verbs, without sixd" \
  "help: $verbs_help | -h: $verbs_h | completion: $verbs_comp"; fi
for v in link addr route neigh ping ra set addrsel stats capture serve http nc socks5 resolve dns ipsec help; do
  [[ " $verbs_help " == *" $v "* ]] || fail "help lists $v" "$verbs_help"
done
out=$("$SIXCTL" help route 2>&1); rc=$?
if [[ $rc == 0 && $out == *"route add|replace default"* && $out != *"link add"* ]]; then ok "help VERB: that verb's usage"
else fail "help VERB: that verb's usage" "rc=$rc $out"; fi
err=$("$SIXCTL" help frob 2>&1 >/dev/null); rc=$?
[[ $rc == 2 && $err == *"unknown verb 'frob'"* ]] && ok "help of an unknown verb: exit 2" \
  || fail "help of an unknown verb: exit 2" "rc=$rc $err"

# complete WORDS...: what _sixctl offers for the last word
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _sixctl
           echo "${COMPREPLY[*]}"' _ "$COMP" "$@" 2>&1
}
PATH_SAVE=$PATH
export PATH="$(dirname "$SIXCTL"):$PATH"
c1=$(complete_words sixctl ro); c2=$(complete_words sixctl neigh ""); c3=$(complete_words sixctl -j ip)
if [[ $c1 == route && " $c2 " == *" flush "* && " $c2 " == *" replace "* && $c3 == ipsec ]]; then
  ok "bash completion completes verbs and sub-verbs"
else fail "bash completion completes verbs and sub-verbs" "ro: '$c1' | neigh: '$c2' | -j ip: '$c3'"; fi

# --- a sixd on a TAP whose kernel side is up and addressed (as README shows)
N=$(ns_add cli) || { fail "netns"; finish; }
cat > "$W/c.conf" <<'CONF'
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
CONF
sixd_start c "$N" "$W/c.conf" || { fail "sixd starts"; finish; }
ip -n "$N" link set tap0 up
ip -n "$N" addr add 2001:db8:1::1/64 dev tap0 nodad
ip -n "$N" addr add 192.0.2.1/24 dev tap0
KMAC=$(ip -n "$N" -j link show tap0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
sleep 2

c4=$(complete_words sixctl -s "$W/c.sock" link show t)
[[ $c4 == tap0 ]] && ok "bash completion offers sixd's interfaces" || fail "bash completion offers sixd's interfaces" "'$c4'"

# refused LINE-WORDS... : STATUS REASON SHOW — run, check exit, stderr, show unchanged
refused() {
  local status=$1 reason=$2 show=$3; shift 3
  local before after err rc
  before=$(ctl c $show 2>&1)
  err=$(ctl c "$@" 2>&1 >/dev/null); rc=$?
  after=$(ctl c $show 2>&1)
  if [[ $rc == "$status" && $err == "sixctl: "*"$reason"* && $before == "$after" ]]; then
    ok "refused: $*"
  else
    fail "refused: $*" "rc=$rc (want $status) err='$err' (want '$reason')" "show before: $before" "after: $after"
  fi
}

refused 2 "link-local gateway needs dev IF: route add default via fe80::1 dev IF" "route show" \
  route add default via fe80::1
refused 1 "gateway 2001:db8:9::1 is not on-link" "route show" route add default via 2001:db8:9::1
refused 1 "gateway 198.51.100.1 is not on-link" "route show" route add default4 via 198.51.100.1
check "route add default via an on-link gateway" ctl c route add default via 2001:db8:1::1
check "route add default4 via an on-link gateway" ctl c route add default4 via 192.0.2.1
refused 1 "route add default: File exists (a route to default is there: route replace changes it)" "route show" \
  route add default via 2001:db8:1::5
refused 1 "route add default4: File exists" "route show" route add default4 via 192.0.2.5
KLL=$(ip -n "$N" -6 -o addr show dev tap0 scope link | awk '{print $4}' | cut -d/ -f1)
check "route replace default via the kernel's link-local, dev tap0" ctl c route replace default via "$KLL" dev tap0
out=$(ctl c route show -6)
[[ $out == *"default via $KLL dev tap0"* ]] && ok "route show: the replaced default" || fail "route show: the replaced default" "$out"

refused 2 "bad lladdr 'zz:00:00:00:00:01'" "neigh show" neigh add 2001:db8:1::1 lladdr zz:00:00:00:00:01 dev tap0
refused 2 "needs lladdr MAC and dev IF" "neigh show" neigh add 2001:db8:1::1 dev tap0
refused 1 "no such neighbor" "neigh show" neigh del 2001:db8:1::77 dev tap0
ctl c neigh flush dev tap0
check "neigh add: the kernel's MAC, permanent" ctl c neigh add 2001:db8:1::1 lladdr "$KMAC" dev tap0
check "neigh add IPv4, reachable" ctl c neigh add 192.0.2.1 lladdr "$KMAC" dev tap0 nud reachable
refused 1 "File exists (neigh replace changes it)" "neigh show" neigh add 2001:db8:1::1 lladdr 02:00:00:00:00:01 dev tap0
out=$(ctl c neigh show)
[[ $out == *"2001:db8:1::1 dev tap0 lladdr $KMAC PERMANENT"* ]] && ok "neigh show: PERMANENT" \
  || fail "neigh show: PERMANENT" "$out"
ns0=$(ctl c stats -a nd6.out_ns)
check "ping through the permanent entry" ctl c ping 2001:db8:1::1 -c 1 -W 2
ns1=$(ctl c stats -a nd6.out_ns)
[[ $ns0 == "$ns1" ]] && ok "no neighbor solicitation for a permanent entry" \
  || fail "no neighbor solicitation for a permanent entry" "nd6.out_ns $ns0 -> $ns1"

refused 1 "no interface 'tap9'" "addr show" addr flush dev tap9
refused 2 "-4 and -6 together" "addr show" addr flush dev tap0 -4 -6
refused 1 "ping -I 2001:db8:1::99: not an address of this stack" "stats -a icmp6.in_echo_reply" \
  ping 2001:db8:1::1 -I 2001:db8:1::99 -c 1
refused 2 "is IPv4, but the source (-I) asks for IPv6" "stats -a icmp6.in_echo_reply" \
  ping 192.0.2.1 -I 2001:db8:1::2 -c 1
refused 1 "ping: nosuch.example: " "stats -a icmp6.in_echo_reply" ping nosuch.example -c 1
check "ping -I ADDR (IPv6)" ctl c ping 2001:db8:1::1 -I 2001:db8:1::2 -c 1 -W 2
check "ping -I ADDR (IPv4)" ctl c ping 192.0.2.1 -I 192.0.2.2 -c 1 -W 2

out=$(ctl c ra show); rc=$?
[[ $rc == 0 && $out == "router mode: off"* ]] && ok "ra show" || fail "ra show" "rc=$rc $out"
out=$(ctl c -j ra show)
echo "$out" | is_json && ok "-j ra show is JSON" || fail "-j ra show is JSON" "$out"

ctl c ipsec exec "add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x1001 -m tunnel -E aes-gcm-16 \
0x0102030405060708090a0b0c0d0e0f1011121314;" >/dev/null
out=$(ctl c ipsec sa)
[[ $out == *"natt sport 4500 dport 4500; last packet never"* ]] && ok "ipsec sa: NAT-T ports" || fail "ipsec sa: NAT-T ports" "$out"
out=$(ctl c -j ipsec sa)
if echo "$out" | "$PY" -c '
import json,sys
s = json.load(sys.stdin)[0]
assert s["natt_sport"] == 4500 and s["natt_dport"] == 4500 and s["last_packet_s_ago"] is None, s' 2>/dev/null; then
  ok "-j ipsec sa: NAT-T ports, last packet null"
else fail "-j ipsec sa: NAT-T ports, last packet null" "$out"; fi

ctl c link add gif0 type gif local 192.0.2.2 remote 192.0.2.1
out=$(ctl c link show gif0)
[[ $out == *"last rx never"* ]] && ok "link show: a tunnel's last rx" || fail "link show: a tunnel's last rx" "$out"
out=$(ctl c -j link show)
echo "$out" | is_json && ok "-j link show with a tunnel is JSON" || fail "-j link show with a tunnel is JSON" "$out"

PATH=$PATH_SAVE
sixd_stop c
finish
