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
# hometun scene: the client's IPv4 address changes three times under a TCP
# transfer. The trace shows each NA and the transfer complete; in the
# server's IPv4 capture, with the scene's keys, tshark finds every ICV good,
# the NAs with Override inside ESP naming the new address in the TLLA, and
# the client's outer source address changing three times.
ht_addrs=(192.0.2.10 192.0.2.11 192.0.2.12 192.0.2.13)
for k in 1 2 3; do
  a=${ht_addrs[k-1]} b=${ht_addrs[k]}
  s="client gif0: local end $a -> $b, announced by NA with Override"
  if grep -qF "$s" "$W/demo.txt"; then ok "demo trace shows '$s'"; else fail "demo trace shows '$s'"; fi
  re="server ht-c1: NA with Override for [0-9a-f:]+ moves the remote end $a -> $b\$"
  if grep -qE "$re" "$W/demo.txt"; then ok "demo trace: the server's tunnel follows the NA $a -> $b"
  else fail "demo trace: the server's tunnel follows the NA $a -> $b"; fi
done
s="inet-host -> home-host: 1048576 of 1048576 bytes"
if grep -F "$s" "$W/demo.txt" | grep -qF "byte-exact, across 3 address changes"; then ok "demo: the hometun transfer completes byte-exact across 3 address changes"
else fail "demo: the hometun transfer completes byte-exact" "$(grep -F 'inet-host -> home-host' "$W/demo.txt")"; fi
HP=$W/out/hometun.pcap
if msg=$(pcap_clean "$HP"); then ok "tshark: demo hometun.pcap is clean"; else fail "tshark: demo hometun.pcap is clean" "$msg"; fi
HT_SA=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE
  -o 'uat:esp_sa:"IPv4","*","*","0x00002001","AES-GCM with 16 octet ICV [RFC4106]","0x0102030405060708090a0b0c0d0e0f1011121314","NULL",""'
  -o 'uat:esp_sa:"IPv4","*","*","0x00002002","AES-GCM with 16 octet ICV [RFC4106]","0x2122232425262728292a2b2c2d2e2f3031323334","NULL",""')
# one pass: every ESP packet with its outer addresses, ICV status and what
# tshark found inside (-E occurrence=f: the outer IPv4 header's addresses)
dec=$(tshark -n -r "$HP" "${HT_SA[@]}" -Y esp -E occurrence=f -T fields -e ip.src -e ip.dst -e esp.icv_good \
  -e ipv6.nxt -e tcp.srcport -e icmpv6.type -e icmpv6.nd.na.flag.o -e icmpv6.opt.type -e icmpv6.opt.length \
  -e icmpv6.opt.linkaddr 2>"$W/tshark-ht.err")
n_esp=$(grep -c . <<<"$dec")
n_good=$(awk -F'\t' '$3 == "1"' <<<"$dec" | wc -l)
n_tcp=$(awk -F'\t' '$5 != ""' <<<"$dec" | wc -l)
if ((n_esp >= 100 && n_good == n_esp && n_tcp >= n_esp / 2)); then
  ok "tshark decrypts the demo's hometun tunnel: $n_esp ESP packets, every ICV good, $n_tcp carry the TCP transfer"
else
  fail "tshark decrypts the demo's hometun tunnel (every ICV good)" \
    "esp $n_esp icv good $n_good tcp inside $n_tcp; $(head -c 600 "$W/tshark-ht.err")"
fi
# NAs from the client: IPv6 in ESP (to the server), ICMPv6 136, Override
# set, a TLLA (type 2, length 1 = 8 bytes) with the new IPv4 address and two
# zero bytes, sent from that new address
for k in 1 2 3; do
  b=${ht_addrs[k]}
  IFS=. read -r o1 o2 o3 o4 <<<"$b"
  lla=$(printf '%02x:%02x:%02x:%02x:00:00' "$o1" "$o2" "$o3" "$o4")
  n=$(awk -F'\t' -v src="$b" -v lla="$lla" \
    '$1 == src && $2 == "198.51.100.1" && $3 == "1" && $4 == "58" && $6 == "136" && $7 == "1" && $8 == "2" && $9 == "1" && $10 == lla' <<<"$dec" | wc -l)
  if ((n >= 1)); then ok "demo hometun.pcap: $n NA(s) with Override and TLLA $lla ($b) inside ESP from $b"
  else fail "demo hometun.pcap: an NA with Override and TLLA $lla ($b) inside ESP from $b" \
    "$(awk -F'\t' '$6 == "136"' <<<"$dec")"; fi
done
# the client's outer source address, in capture order: 4 runs, one per address
runs=$(awk -F'\t' '$2 == "198.51.100.1" { print $1 }' <<<"$dec" | uniq | tr '\n' ' ')
if [[ $runs == "${ht_addrs[*]} " ]]; then ok "demo hometun.pcap: the client's outer source address changes three times ($runs)"
else fail "demo hometun.pcap: the client's outer source address changes three times" "runs: $runs"; fi
runs=$(awk -F'\t' '$1 == "198.51.100.1" { print $2 }' <<<"$dec" | uniq | tr '\n' ' ')
if [[ $runs == "${ht_addrs[*]} " ]]; then ok "demo hometun.pcap: the server's tunnel follows it ($runs)"
else fail "demo hometun.pcap: the server's tunnel follows it" "runs: $runs"; fi
# demo-out/esp_sa: Wireshark's ESP SA table for every ESP SA of the demo.
# Copied to a Wireshark configuration directory (as docs/IPSEC.md says for
# ~/.config/wireshark/esp_sa) it alone decrypts every ESP packet of both
# tunnels' captures with a good ICV; so do its lines given as -o uat:esp_sa.
# The control: the same command with an empty configuration decrypts nothing.
ESA=$W/out/esp_sa
if [[ -s $ESA ]] && (($(grep -c '^"IPv4","\*","\*","0x0000[12]00[12]","AES-GCM with 16 octet ICV \[RFC4106\]","0x[0-9a-f]\{40\}","NULL",""$' "$ESA") == 4)); then
  ok "demo writes esp_sa with its 4 ESP SAs in Wireshark's format"
else fail "demo writes esp_sa with its 4 ESP SAs in Wireshark's format" "$(cat "$ESA" 2>&1)"; fi
mkdir -p "$W/ws/wireshark" "$W/ws-empty/wireshark"
cp "$ESA" "$W/ws/wireshark/esp_sa"
esa_args=()
while read -r l; do [[ $l == \#* ]] || esa_args+=(-o "uat:esp_sa:$l"); done < "$ESA"
for p in wan hometun; do
  total=$(tshark -n -r "$W/out/$p.pcap" -Y esp 2>/dev/null | wc -l)
  for how in config args empty; do
    case $how in
      config) good=$(XDG_CONFIG_HOME=$W/ws tshark -n -r "$W/out/$p.pcap" -o esp.enable_encryption_decode:TRUE \
                -o esp.enable_authentication_check:TRUE -Y esp -T fields -e esp.icv_good 2>/dev/null | grep -c '^1$') ;;
      args)   good=$(XDG_CONFIG_HOME=$W/ws-empty tshark -n -r "$W/out/$p.pcap" -o esp.enable_encryption_decode:TRUE \
                -o esp.enable_authentication_check:TRUE "${esa_args[@]}" -Y esp -T fields -e esp.icv_good 2>/dev/null |
                grep -c '^1$') ;;
      empty)  good=$(XDG_CONFIG_HOME=$W/ws-empty tshark -n -r "$W/out/$p.pcap" -o esp.enable_encryption_decode:TRUE \
                -o esp.enable_authentication_check:TRUE -Y esp -T fields -e esp.icv_good 2>/dev/null | grep -c '^1$') ;;
    esac
    if [[ $how == empty ]]; then
      ((good == 0)) && ok "demo $p.pcap: without esp_sa nothing decrypts (the control)" \
        || fail "demo $p.pcap: without esp_sa nothing decrypts (the control)" "$good of $total"
    elif ((total > 0 && good == total)); then ok "demo esp_sa ($how) decrypts $p.pcap: $good of $total ESP packets, ICV good"
    else fail "demo esp_sa ($how) decrypts $p.pcap" "$good of $total ICV good"; fi
  done
done
# DHCPv6 scene: home6 gets an address and a /56 through bras's relay, the PC
# SLAACs from the /56 and pings the server; on the access link the four
# messages, on the core link the same in Relay-forw / Relay-repl naming eth1
re='home6 wan0: DHCPv6 prefix 2001:db8:8[0-9a-f]{3}:[0-9a-f]{0,2}00::/56 delegated'
if grep -qE "$re" "$W/demo.txt"; then ok "demo trace: home6 gets a /56 from the ISP's pool"
else fail "demo trace: home6 gets a /56 from the ISP's pool" "$(grep -F 'home6' "$W/demo.txt" | tail -5)"; fi
if grep -qE '^  pc: SLAAC address 2001:db8:8[0-9a-f:]+ in the delegated /56' "$W/demo.txt" &&
   grep -A5 'pc\$ ping 2001:db8:fe::1' "$W/demo.txt" | grep -qF "3 packets transmitted, 3 received"
then ok "demo: the PC SLAACs from the delegated prefix and reaches the DHCPv6 server"
else fail "demo: the PC SLAACs from the delegated prefix and reaches the DHCPv6 server"; fi
for f in "$W/out/dhcp6-access.pcap" "$W/out/dhcp6-core.pcap"; do
  if msg=$(pcap_clean "$f"); then ok "tshark: demo $(basename "$f") is clean"
  else fail "tshark: demo $(basename "$f") is clean" "$msg"; fi
done
types=$(tshark -n -r "$W/out/dhcp6-access.pcap" -Y dhcpv6 -T fields -e dhcpv6.msgtype 2>/dev/null | sort -nu | tr '\n' ' ')
if [[ $types == "1 2 3 7 " ]]; then ok "demo dhcp6-access.pcap: Solicit, Advertise, Request, Reply"
else fail "demo dhcp6-access.pcap: Solicit, Advertise, Request, Reply" "types: $types"; fi
relayed=$(tshark -n -r "$W/out/dhcp6-core.pcap" -Y dhcpv6 -E occurrence=f -T fields -e dhcpv6.msgtype \
  -e dhcpv6.interface_id -e dhcpv6.linkaddr 2>/dev/null | sort -u | tr '\t\n' ' |')
if [[ $relayed == "12 65746831 2001:db8:ff::1|13 65746831 2001:db8:ff::1|" ]]
then ok "demo dhcp6-core.pcap: Relay-forw and Relay-repl, interface-id eth1, link-address 2001:db8:ff::1"
else fail "demo dhcp6-core.pcap: Relay-forw and Relay-repl" "$relayed"; fi
EX=${BUILD:-build}/examples/hello_tcp
[[ $EX == /* ]] || EX=$PWD/$EX
out=$("$EX" 2>&1)
if [[ $out == *"a: echoed back: hello over a userspace IPv6 stack"* ]]; then ok "docs/SOCKETS.md's example program runs"
else fail "docs/SOCKETS.md's example program runs" "$out"; fi
finish
