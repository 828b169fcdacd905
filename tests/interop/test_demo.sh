#!/usr/bin/env bash
# The simulated-network demo (`make demo`) runs every scene as expected, and
# tshark reads the pcaps it writes with no malformed packet or bad checksum.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcap_check.sh"

DEMO=${BUILD:-build}/sixdemo
[[ $DEMO == /* ]] || DEMO=$PWD/$DEMO
if "$DEMO" "$W/out" > "$W/demo.txt" 2>&1; then ok "sixdemo runs every scene"
else fail "sixdemo runs every scene" "$(tail -20 "$W/demo.txt")"; fi
for s in "DAD for" "default router" "(SLAAC)" "path MTU to" "3 packets transmitted, 3 received"; do
  if grep -qF "$s" "$W/demo.txt"; then ok "demo trace shows '$s'"; else fail "demo trace shows '$s'"; fi
done
for f in "$W/out/l1.pcap" "$W/out/l2.pcap"; do
  if msg=$(pcap_clean "$f"); then ok "tshark: demo $(basename "$f") is clean"
  else fail "tshark: demo $(basename "$f") is clean" "$msg"; fi
done
n=$(tshark -n -r "$W/out/l1.pcap" -Y "icmpv6.type == 2" 2>/dev/null | wc -l)
if ((n >= 1)); then ok "demo l1.pcap holds the Packet Too Big (r to a)"; else fail "demo l1.pcap holds the Packet Too Big (r to a)"; fi
n=$(tshark -n -r "$W/out/l1.pcap" -Y 'ipv6.fragment' 2>/dev/null | wc -l)
if ((n >= 2)); then ok "demo l1.pcap holds IPv6 fragments"; else fail "demo l1.pcap holds IPv6 fragments"; fi
EX=${BUILD:-build}/examples/hello_tcp
[[ $EX == /* ]] || EX=$PWD/$EX
out=$("$EX" 2>&1)
if [[ $out == *"a: echoed back: hello over a userspace IPv6 stack"* ]]; then ok "docs/SOCKETS.md's example program runs"
else fail "docs/SOCKETS.md's example program runs" "$out"; fi
finish
