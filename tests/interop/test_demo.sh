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
for f in "$W/out/l1.pcap" "$W/out/l2.pcap" "$W/out/wan.pcap"; do
  if msg=$(pcap_clean "$f"); then ok "tshark: demo $(basename "$f") is clean"
  else fail "tshark: demo $(basename "$f") is clean" "$msg"; fi
done
n=$(tshark -n -r "$W/out/l1.pcap" -Y "icmpv6.type == 2" 2>/dev/null | wc -l)
if ((n >= 1)); then ok "demo l1.pcap holds the Packet Too Big (r to a)"; else fail "demo l1.pcap holds the Packet Too Big (r to a)"; fi
n=$(tshark -n -r "$W/out/l1.pcap" -Y 'ipv6.fragment' 2>/dev/null | wc -l)
if ((n >= 2)); then ok "demo l1.pcap holds IPv6 fragments"; else fail "demo l1.pcap holds IPv6 fragments"; fi
# IPsec scene: between the gateways only IPv4 + ESP; with the keys tshark
# finds the IPv6 echo inside, every ICV good
n_esp=$(tshark -n -r "$W/out/wan.pcap" -Y esp 2>/dev/null | wc -l)
n_clear=$(tshark -n -r "$W/out/wan.pcap" -Y 'icmpv6.type == 128 || icmpv6.type == 129' 2>/dev/null | wc -l)
if ((n_esp >= 6 && n_clear == 0)); then ok "demo wan.pcap: $n_esp ESP packets, no IPv6 echo in the clear"
else fail "demo wan.pcap: ESP only" "esp $n_esp clear $n_clear"; fi
dec=$(tshark -n -r "$W/out/wan.pcap" -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
  -o 'uat:esp_sa:"IPv4","*","*","0x00001001","AES-GCM with 16 octet ICV [RFC4106]","0x000102030405060708090a0b0c0d0e0f10111213","NULL",""' \
  -o 'uat:esp_sa:"IPv4","*","*","0x00001002","AES-GCM with 16 octet ICV [RFC4106]","0x202122232425262728292a2b2c2d2e2f30313233","NULL",""' \
  -Y esp -T fields -e esp.icv_good -e icmpv6.type 2>&1)
if (($(grep -c $'^1\t12[89]' <<<"$dec") == n_esp)); then ok "tshark decrypts the demo's tunnel: IPv6 echoes inside, every ICV good"
else fail "tshark decrypts the demo's tunnel" "$dec"; fi
if [[ $(grep -c "3 packets transmitted, 3 received" "$W/demo.txt") -ge 2 ]]; then ok "demo: the sites ping each other through the tunnel"
else fail "demo: the sites ping each other through the tunnel"; fi
EX=${BUILD:-build}/examples/hello_tcp
[[ $EX == /* ]] || EX=$PWD/$EX
out=$("$EX" 2>&1)
if [[ $out == *"a: echoed back: hello over a userspace IPv6 stack"* ]]; then ok "docs/SOCKETS.md's example program runs"
else fail "docs/SOCKETS.md's example program runs" "$out"; fi
finish
