#!/usr/bin/env bash
# sixd's TCP against Linux's under 2 % packet loss in both directions: 1 GB
# from sixd's HTTP server to Linux curl arrives with the right sha256, and
# sixd's HTTP client fetches 100 MB from Linux python http.server likewise.
# The loss comes from nftables (numgen random) on the kernel side of the TAP:
# this kernel has no sch_netem, so there is no reordering here (the
# simulator's test_tcp_bulk covers reordering and duplication).
. "$(dirname "$0")/lib.sh"
need_root
command -v nft >/dev/null || { fail "$T_NAME" "nft missing (scripts/deps: nftables)"; finish; }

N=$(ns_add loss) || { fail "netns"; finish; }
mkdir -p "$W/www"
head -c 1000000000 /dev/urandom > "$W/www/big"
head -c 100000000 /dev/urandom > "$W/www/med"
want_big=$(sha256sum < "$W/www/big" | cut -d' ' -f1)
want_med=$(sha256sum < "$W/www/med" | cut -d' ' -f1)
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
serve http port 8080 root $W/www
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
(cd "$W/www" && exec ip netns exec "$N" "$PY" -m http.server --bind :: 8081 >"$W/http.log" 2>&1) &
track_pid $!
sleep 2
# 2 % of TCP segments lost each way on the TAP (kernel side: both hooks)
nsrun "$N" nft -f - <<'NFT'
table inet loss {
  chain in  { type filter hook input  priority 0; iifname "tap0" meta l4proto tcp numgen random mod 100 < 2 counter drop; }
  chain out { type filter hook output priority 0; oifname "tap0" meta l4proto tcp numgen random mod 100 < 2 counter drop; }
}
NFT
if nsrun "$N" nft list table inet loss >/dev/null 2>&1; then ok "nftables drops 2% of TCP each way"
else fail "nftables drops 2% of TCP each way"; finish; fi

t0=$(date +%s)
got=$(nsrun "$N" curl -sS --max-time 900 "http://[2001:db8:1::2]:8080/big" | sha256sum | cut -d' ' -f1)
t1=$(date +%s)
if [[ $got == "$want_big" ]]; then ok "1 GB from sixd's HTTP server to curl through 2% loss: right sha256 ($((t1 - t0)) s)"
else fail "1 GB from sixd's HTTP server to curl through 2% loss: right sha256" "got $got"; fi
out=$(ctl s http get "http://[2001:db8:1::1]:8081/med" -o "$W/med.got" -w 600 2>&1)
if [[ $(sha256sum < "$W/med.got" | cut -d' ' -f1) == "$want_med" ]]; then ok "100 MB from Linux http.server to sixd's client through 2% loss: right sha256"
else fail "100 MB from Linux http.server to sixd's client through 2% loss: right sha256" "$out"; fi
drops=$(nsrun "$N" nft list table inet loss | grep -o 'packets [0-9]*' | awk '{s += $2} END {print s + 0}')
if ((drops > 1000)); then ok "the loss was real ($drops segments dropped)"; else fail "the loss was real" "$drops"; fi
note "sixd: $(ctl s stats tcp.rexmt) segments retransmitted, $(ctl s stats tcp.fast_rexmt) fast recoveries, $(ctl s stats tcp.rexmt_timeout) timeouts"
finish
