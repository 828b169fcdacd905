#!/usr/bin/env bash
# sixd's ESP against an independent implementation: scapy's
# SecurityAssociation encrypts requests (AES-GCM, ChaCha20-Poly1305,
# AES-CBC + HMAC-SHA-256-128, NULL + HMAC-SHA1-96 in transport mode; AES-GCM
# IPv6-in-IPv4 tunnel mode; AES-GCM in UDP 4500), sixd answers in ESP, scapy decrypts and checks
# the answers (ipsec_scapy.py).  A spoofed inner source and a tampered packet
# get no answer and are counted.  tshark then decrypts sixd's capture with
# the keys: every AES-GCM and AES-CBC packet has a good ICV.
# AH the same way: scapy signs echo requests (HMAC-SHA-256-128 over IPv6,
# HMAC-SHA1-96 over IPv4 in transport mode; HMAC-SHA-256-128 IPv6-in-IPv4
# tunnel mode, where the ICV covers the outer header), sixd answers in AH,
# scapy verifies the ICVs; a tampered AH packet is refused and counted.
. "$(dirname "$0")/lib.sh"
need_root

N=$(ns_add esp) || { fail "netns"; finish; }
GCM_IN=0102030405060708090a0b0c0d0e0f10a1a2a3a4
GCM_OUT=1112131415161718191a1b1c1d1e1f20b1b2b3b4
CHACHA_IN=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fc1c2c3c4
CHACHA_OUT=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3fd1d2d3d4
CBC=00112233445566778899aabbccddeeff
SHA256=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SHA1=0102030405060708090a0b0c0d0e0f1011121314
TUN_IN=2122232425262728292a2b2c2d2e2f30e1e2e3e4
TUN_OUT=3132333435363738393a3b3c3d3e3f40f1f2f3f4
NATT_IN=4142434445464748494a4b4c4d4e4f50a5a6a7a8
NATT_OUT=5152535455565758595a5b5c5d5e5f60b5b6b7b8
AH256_OUT=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
AH1_OUT=4142434445464748494a4b4c4d4e4f5051525354
AHTUN_IN=606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
AHTUN_OUT=808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f
cat > "$W/ipsec.conf" <<CONF
# Neighbor Discovery stays in the clear (the KAME recipe)
spdadd ::/0 ::/0 icmp6 135,0 -P in none;
spdadd ::/0 ::/0 icmp6 136,0 -P in none;
spdadd ::/0 ::/0 icmp6 135,0 -P out none;
spdadd ::/0 ::/0 icmp6 136,0 -P out none;
add 2001:db8:1::1 2001:db8:1::2 esp 0x1001 -m transport -E aes-gcm-16 0x$GCM_IN;
add 2001:db8:1::2 2001:db8:1::1 esp 0x1002 -m transport -E aes-gcm-16 0x$GCM_OUT;
add 192.0.2.1 192.0.2.2 esp 0x2001 -m transport -E chacha20-poly1305 0x$CHACHA_IN;
add 192.0.2.2 192.0.2.1 esp 0x2002 -m transport -E chacha20-poly1305 0x$CHACHA_OUT;
add 2001:db8:1::1 2001:db8:1::3 esp 0x3001 -m transport -E aes-cbc 0x$CBC -A hmac-sha2-256 0x$SHA256;
add 2001:db8:1::3 2001:db8:1::1 esp 0x3002 -m transport -E aes-cbc 0x$CBC -A hmac-sha2-256 0x$SHA256;
add 2001:db8:1::1 2001:db8:1::4 esp 0x4001 -m transport -E null -A hmac-sha1 0x$SHA1;
add 2001:db8:1::4 2001:db8:1::1 esp 0x4002 -m transport -E null -A hmac-sha1 0x$SHA1;
add 192.0.2.1 192.0.2.2 esp 0x5001 -m tunnel -E aes-gcm-16 0x$TUN_IN;
add 192.0.2.2 192.0.2.1 esp 0x5002 -m tunnel -E aes-gcm-16 0x$TUN_OUT;
add 192.0.2.1[4500] 192.0.2.3[4500] esp-udp 0x6001 -m transport -E aes-gcm-16 0x$NATT_IN;
add 192.0.2.3[4500] 192.0.2.1[4500] esp-udp 0x6002 -m transport -E aes-gcm-16 0x$NATT_OUT;
spdadd 192.0.2.1 192.0.2.3 icmp -P in ipsec esp/transport//require;
spdadd 192.0.2.3 192.0.2.1 icmp -P out ipsec esp/transport//require;
spdadd 2001:db8:1::1 2001:db8:1::2 any -P in ipsec esp/transport//require;
spdadd 2001:db8:1::2 2001:db8:1::1 any -P out ipsec esp/transport//require;
spdadd 2001:db8:1::1 2001:db8:1::3 any -P in ipsec esp/transport//require;
spdadd 2001:db8:1::3 2001:db8:1::1 any -P out ipsec esp/transport//require;
spdadd 2001:db8:1::1 2001:db8:1::4 any -P in ipsec esp/transport//require;
spdadd 2001:db8:1::4 2001:db8:1::1 any -P out ipsec esp/transport//require;
spdadd 192.0.2.1 192.0.2.2 any -P in ipsec esp/transport//require;
spdadd 192.0.2.2 192.0.2.1 any -P out ipsec esp/transport//require;
spdadd 2001:db8:6::/64 2001:db8:5::2 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 2001:db8:5::2 2001:db8:6::/64 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
# AH: sixd's 2001:db8:1::5 and 192.0.2.5 in transport mode, 192.0.2.6 as a tunnel end
add 2001:db8:1::1 2001:db8:1::5 ah 0x6001 -m transport -A hmac-sha2-256 0x$SHA256;
add 2001:db8:1::5 2001:db8:1::1 ah 0x6002 -m transport -A hmac-sha2-256 0x$AH256_OUT;
add 192.0.2.1 192.0.2.5 ah 0x7001 -m transport -A hmac-sha1 0x$SHA1;
add 192.0.2.5 192.0.2.1 ah 0x7002 -m transport -A hmac-sha1 0x$AH1_OUT;
add 192.0.2.1 192.0.2.6 ah 0x8001 -m tunnel -A hmac-sha2-256 0x$AHTUN_IN;
add 192.0.2.6 192.0.2.1 ah 0x8002 -m tunnel -A hmac-sha2-256 0x$AHTUN_OUT;
spdadd 2001:db8:1::1 2001:db8:1::5 any -P in ipsec ah/transport//require;
spdadd 2001:db8:1::5 2001:db8:1::1 any -P out ipsec ah/transport//require;
spdadd 192.0.2.1 192.0.2.5 any -P in ipsec ah/transport//require;
spdadd 192.0.2.5 192.0.2.1 any -P out ipsec ah/transport//require;
spdadd 2001:db8:8::/64 2001:db8:5::5 any -P in ipsec ah/tunnel/192.0.2.1-192.0.2.6/require;
spdadd 2001:db8:5::5 2001:db8:8::/64 any -P out ipsec ah/tunnel/192.0.2.6-192.0.2.1/require;
CONF
cat > "$W/s.conf" <<CONF
link add tap0 type tap
capture tap0 $W/esp.pcap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 2001:db8:1::3/64 dev tap0
addr add 2001:db8:1::4/64 dev tap0
addr add 2001:db8:5::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
addr add 192.0.2.3/24 dev tap0
addr add 2001:db8:1::5/64 dev tap0
addr add 2001:db8:5::5/64 dev tap0
addr add 192.0.2.5/24 dev tap0
addr add 192.0.2.6/24 dev tap0
serve echo
ipsec load $W/ipsec.conf
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts with the setkey file"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
sleep 2
n_sa=$(ctl s -j ipsec sa | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
if [[ $n_sa == 18 ]]; then ok "sixd loaded 18 SAs (12 ESP, 6 AH) from the setkey file"; else fail "sixd loaded 18 SAs" "got $n_sa"; fi

nsrun "$N" "$PY" "$(dirname "$0")/ipsec_scapy.py" tap0 2001:db8:1::2 2001:db8:1::1 192.0.2.2 192.0.2.1 2>"$W/scapy.err"
(($? == 0)) || { note "$(tail -8 "$W/scapy.err")"; note "$(ctl s stats | grep -E '^(ipsec|esp|udp)')"; }

sel=$(ctl s stats ipsec.drop_selector | grep -o '[0-9]*$')
icv=$(ctl s stats ipsec.drop_icv | grep -o '[0-9]*$')
if ((sel >= 1 && icv >= 2)); then ok "the spoofed inner source and the tampered ESP and AH packets were counted (selector $sel, icv $icv)"
else fail "the spoofed inner source and the tampered ESP and AH packets were counted" "selector $sel icv $icv"; fi
ah_in=$(ctl s stats ipsec.ah_in_packets | grep -o '[0-9]*$')
ah_out=$(ctl s stats ipsec.ah_out_packets | grep -o '[0-9]*$')
if ((ah_in >= 3 && ah_out >= 3)); then ok "sixd verified and sent AH packets (in $ah_in, out $ah_out)"
else fail "sixd verified and sent AH packets" "in $ah_in out $ah_out"; fi

sixd_stop s
sleep 0.5
out=$(tshark -r "$W/esp.pcap" -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
  -o "uat:esp_sa:\"IPv6\",\"*\",\"*\",\"0x00001001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$GCM_IN\",\"NULL\",\"\"" \
  -o "uat:esp_sa:\"IPv6\",\"*\",\"*\",\"0x00001002\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$GCM_OUT\",\"NULL\",\"\"" \
  -o "uat:esp_sa:\"IPv6\",\"*\",\"*\",\"0x00003001\",\"AES-CBC [RFC3602]\",\"0x$CBC\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x$SHA256\"" \
  -o "uat:esp_sa:\"IPv6\",\"*\",\"*\",\"0x00003002\",\"AES-CBC [RFC3602]\",\"0x$CBC\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x$SHA256\"" \
  -Y 'esp.spi == 0x1002 || esp.spi == 0x3002' -T fields -e esp.spi -e esp.icv_good -e icmpv6.type -e udp.srcport 2>&1)
good=$(grep -c $'\t1\t' <<<"$out")
total=$(grep -c '^0x' <<<"$out")
if ((total >= 2 && good == total)); then ok "tshark decrypts sixd's AES-GCM and AES-CBC ESP: $good of $total packets with a good ICV"
else fail "tshark decrypts sixd's AES-GCM and AES-CBC ESP with good ICVs" "$out"; fi
finish
