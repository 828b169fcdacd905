#!/usr/bin/env bash
# sixkey(8) against sixd over PF_KEY: the FreeBSD and NetBSD setkey(8)
# man-page examples that sixstack supports (tests/data/setkey) loaded with
# `sixkey -f` give exactly what `sixctl ipsec load` gives; -D and -DP read
# like setkey's; a garbage file is refused with file:line:col and a file
# whose later line sixd refuses changes nothing; -F / -FP empty everything;
# a registered listener (`sixkey -x`) gets the ACQUIRE of a packet that
# needs an SA and the soft and hard EXPIRE of a short-lived SA.
. "$(dirname "$0")/lib.sh"
need_root

SIXKEY=${SIXKEY:-${BUILD:-build}/sixkey}
[[ $SIXKEY == /* ]] || SIXKEY=$PWD/$SIXKEY
DATA=$PWD/tests/data/setkey

N=$(ns_add key) || { fail "netns"; finish; }
cat > "$W/k.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
CONF
sixd_start k "$N" "$W/k.conf" || { fail "sixd starts"; finish; }
nsrun "$N" ip link set tap0 up

key() { "$SIXKEY" -s "$W/k.sock" "$@"; }

# The SAD and SPD as sixctl shows them, without what differs between two
# loads of one file (policy ids).
state() {
  { ctl k -j ipsec sa; ctl k -j ipsec spd; } | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); text = sys.stdin.read().strip(); out = []
while text:
    obj, n = dec.raw_decode(text); text = text[n:].strip()
    for o in obj: o.pop("id", None)
    out.append(sorted(json.dumps(o, sort_keys=True) for o in obj))
print(json.dumps(out))'
}

FILES=(freebsd-01-esp-aes-gcm.conf freebsd-06-spdadd-tunnel.conf freebsd-07-tcp-md5.fixed.conf
       freebsd-08-icmp6-ns.conf mixed-v6-in-v4-tunnel.conf netbsd-01-esp-des.fixed.conf
       netbsd-03-esp-des-hmac-md5.fixed.conf netbsd-07-spdadd-tunnel.conf netbsd-08-tcp-md5.fixed.conf
       netbsd-09-ctx-sa.fixed.conf netbsd-10-ctx-spd.fixed.conf netbsd-11-icmp6-ns.conf
       netbsd-12-gre.fixed.conf netbsd-13-natt-ports.conf)
same=0 differ=()
for f in "${FILES[@]}"; do
  ctl k ipsec flush
  ctl k ipsec load "$DATA/$f" >/dev/null || { differ+=("$f: sixctl ipsec load failed"); continue; }
  want=$(state)
  ctl k ipsec flush
  if ! out=$(key -f "$DATA/$f" 2>&1); then differ+=("$f: sixkey: $out"); continue; fi
  got=$(state)
  if [[ $got == "$want" && $got != '[[], []]' ]]; then same=$((same + 1)); else differ+=("$f: $want != $got"); fi
done
if ((${#differ[@]} == 0)); then ok "sixkey -f gives what sixctl ipsec load gives, for $same man-page files"
else fail "sixkey -f gives what sixctl ipsec load gives" "${differ[@]}"; fi

# ours: every option and command sixkey turns into PF_KEY
cat > "$W/ours.conf" <<'CONF'
# every option sixkey turns into PF_KEY extensions
add -4n 192.0.2.1 198.51.100.1 esp 0x2000 -m tunnel -r 64 -u 7 -f random-pad -lh 3600 -ls 3000
	-bh 1000000000 -bs 900000000 -esn -natt 10.0.0.1[4500] 10.0.0.2[4501] -natt_mtu 1400
	-E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213 ;
add 192.0.2.1 192.0.2.2 esp 999 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213 -m transport -f zero-pad -r 8192;
add 192.0.2.1[4500] 198.51.100.1[31000] esp-udp 0x3000 -E aes-gcm-16 0x101112131415161718191a1b1c1d1e1f20212223;
add 2001:db8::1 2001:db8::2 esp 0x4000 -E aes-cbc 0x00112233445566778899aabbccddeeff
	-A hmac-sha2-256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;
add 2001:db8::1 2001:db8::2 esp 0x4001 -E null -A hmac-sha1 0x0102030405060708090a0b0c0d0e0f1011121314;
add 2001:db8::1 2001:db8::2 esp 0x4002 -E aes-gmac 0x000102030405060708090a0b0c0d0e0f10111213;
add 2001:db8::1 2001:db8::2 esp 0x4003 -m tunnel -u 9 -r 300
	-E chacha20-poly1305 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223;
update 2001:db8::1 2001:db8::2 esp 0x4000 -lh 7200 -ls 6000 -E aes-cbc 0x00112233445566778899aabbccddeeff
	-A hmac-sha2-256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;
delete 2001:db8::1 2001:db8::2 esp 0x4001;
add 192.0.2.5 192.0.2.6 esp 0x5000 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;
add 192.0.2.5 192.0.2.6 esp 0x5001 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;
deleteall 192.0.2.5 192.0.2.6 esp;
get 2001:db8::1 2001:db8::2 esp 0x4003;
spdadd 2001:db8:1::/48[80] 2001:db8:2::/48[any] tcp -P out prio 100 ipsec esp/transport//require;
spdadd 192.0.2.0/24 198.51.100.0/24 any -P fwd ipsec esp/tunnel/192.0.2.1-198.51.100.1/unique:7;
spdadd 192.0.2.0/24 198.51.100.0/24 any -P in discard;
spdupdate 192.0.2.0/24 198.51.100.0/24 any -P fwd ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;
spdadd ::/0 ::/0 icmp6 136,0 -P out none;
spdadd ::/0 ::/0 icmp6 135,0 -P out none;
spddelete ::/0 ::/0 icmp6 136,0 -P out;
spdadd 10.0.0.0/8 10.0.0.0/8 udp -P out bypass;
spdadd 2001:db8:5::1 2001:db8:6::1 any -P out prio def-5 ipsec esp/transport//use;
spddump;
dump esp;
CONF
ctl k ipsec flush
ctl k ipsec load "$W/ours.conf" >/dev/null
want=$(state)
ctl k ipsec flush
out=$(key -f "$W/ours.conf" 2>&1); rc=$?
got=$(state)
if ((rc == 0)) && [[ $got == "$want" ]] && grep -q 'esp-udp mode=tunnel spi=8192' <<<"$out" &&
   grep -q 'out ipsec prio -5' <<<"$out"; then
  ok "every SA option, update, delete, deleteall, get, spdupdate, spddelete, priorities: as sixctl ipsec load"
else fail "sixkey -f of every option gives what sixctl ipsec load gives" "rc $rc: $out" "$want" "$got"; fi

# everything at once, as one file would be used
ctl k ipsec flush
rc=0
for f in freebsd-01-esp-aes-gcm.conf freebsd-07-tcp-md5.fixed.conf netbsd-03-esp-des-hmac-md5.fixed.conf \
         freebsd-06-spdadd-tunnel.conf freebsd-08-icmp6-ns.conf \
         netbsd-10-ctx-spd.fixed.conf netbsd-12-gre.fixed.conf netbsd-13-natt-ports.conf; do
  key -f "$DATA/$f" || rc=1
done
n_sa=$(ctl k -j ipsec sa | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
n_sp=$(ctl k -j ipsec spd | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
if ((rc == 0 && n_sa == 4 && n_sp == 5)); then ok "eight man-page files loaded one after the other: 4 SAs, 5 policies"
else fail "eight man-page files loaded one after the other" "rc $rc, $n_sa SAs, $n_sp policies"; fi

dump=$(key -D)
if grep -q 'esp mode=any spi=123457(0x0001e241) reqid=0' <<<"$dump" &&
   grep -q 'E: aes-gcm-16  3ffe0501 48193ffe 05014819 3ffe0501 48193ffe' <<<"$dump" &&
   grep -q 'A: hmac-sha1  61757468' <<<"$dump" && grep -q 'state=mature' <<<"$dump" &&
   (($(grep -c 'sadb_seq=' <<<"$dump") == 4)) && grep -q 'sadb_seq=0 ' <<<"$dump"; then
  ok "sixkey -D: four SAs, keys and algorithms as setkey prints them"
else fail "sixkey -D prints the SAs as setkey does" "$dump"; fi
dump=$(key -DP)
if grep -q '^10.0.11.41\[21\] 10.0.11.33\[any\] any$' <<<"$dump" &&
   grep -q 'esp/tunnel/192.168.0.1-192.168.1.2/require' <<<"$dump" &&
   grep -q '^::/0\[any\] ::/0\[any\] icmp6 135,0$' <<<"$dump" &&
   (($(grep -c 'esp/tunnel/192.168.0.1-192.168.1.2/require' <<<"$dump") == 2)) &&
   (($(grep -c 'spid=' <<<"$dump") == 5)); then
  ok "sixkey -DP: five policies as setkey prints them"
else fail "sixkey -DP prints the policies as setkey does" "$dump"; fi

# a garbage line: file:line:col, nothing sent
before=$(state)
printf 'flush;\nspdflush;\nadd 10.1.1.1 10.1.1.2 esp 0x998 -m tunnel -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;\n' > "$W/garbage.conf"
printf 'add 10.1.1.1 10.1.1.2 esp 0x999 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;\n' >> "$W/garbage.conf"
printf '\tthis is not setkey ;\n' >> "$W/garbage.conf"
out=$(key -f "$W/garbage.conf" 2>&1); rc=$?
if ((rc != 0)) && grep -q "garbage.conf:5:2: " <<<"$out" && [[ $(state) == "$before" ]]; then
  ok "a garbage file: $(sed "s|$W/||" <<<"$out" | head -1); nothing changed"
else fail "a garbage file is refused with file:line:col and changes nothing" "rc $rc: $out"; fi

# sixd refuses a later line: the earlier ones (spdflush, deleteall) are undone
printf 'spdflush;\nadd 10.1.1.1 10.1.1.2 esp 0x999 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;\n' > "$W/late.conf"
printf 'deleteall 10.1.10.34 10.1.10.36 esp;\n' >> "$W/late.conf"
printf 'add 10.0.11.41 10.0.11.33 esp 0x10001 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;\n' >> "$W/late.conf"
out=$(key -f "$W/late.conf" 2>&1); rc=$?
if ((rc != 0)) && grep -q "late.conf:4: add: an SA with this SPI" <<<"$out" && grep -q "nothing of it was applied" <<<"$out" &&
   [[ $(state) == "$before" ]]; then
  ok "a line sixd refuses: $(sed "s|$W/||" <<<"$out" | head -1); the lines before it undone"
else fail "a line sixd refuses undoes the whole file" "rc $rc: $out"; fi
# new keys for a mature SA: update refuses them (KAME), nothing changes
printf 'update 10.0.11.41 10.0.11.33 esp 0x10001 -E aes-gcm-16 0xff0102030405060708090a0b0c0d0e0f10111213;\n' > "$W/rekey.conf"
out=$(key -f "$W/rekey.conf" 2>&1); rc=$?
if ((rc != 0)) && grep -q "rekey.conf:1: update: .*cannot be changed by update" <<<"$out" && [[ $(state) == "$before" ]]; then
  ok "update with new keys of a mature SA: $(sed "s|$W/||" <<<"$out" | head -1)"
else fail "update with new keys of a mature SA is refused and changes nothing" "rc $rc: $out"; fi
out=$(key -f "$DATA/netbsd-11-icmp6-ns.conf" 2>&1)
if [[ $? != 0 && $out == *"netbsd-11-icmp6-ns.conf:1: spdadd: "*"(File exists)"* ]]; then ok "NetBSD's copy of FreeBSD's icmp6 policy: refused, File exists"
else fail "a duplicate policy is refused" "$out"; fi

key -F && key -FP
if [[ $(state) == '[[], []]' && $(key -D) == "No SAD entries." && $(key -DP) == "No SPD entries." ]]; then
  ok "sixkey -F; sixkey -FP: SAD and SPD empty"
else fail "sixkey -F; sixkey -FP empty everything" "$(state)"; fi

# a key manager's view: ACQUIRE for a packet without an SA, then EXPIREs
key -x > "$W/mon.out" 2>&1 &
track_pid $!
sleep 0.5
printf 'spdadd 2001:db8:1::2 2001:db8:1::1 icmp6 128,0 -P out ipsec esp/transport//require;\n' > "$W/acq.conf"
key -f "$W/acq.conf"
ctl k ping 2001:db8:1::1 -c 1 -W 1 >/dev/null 2>&1
sleep 0.5
if grep -q 'ACQUIRE esp seq=1' "$W/mon.out" && grep -q '2001:db8:1::2 2001:db8:1::1 mode=transport' "$W/mon.out" &&
   grep -q 'proposal 1: E: aes-gcm-16' "$W/mon.out"; then ok "sixkey -x: ACQUIRE for the echo request that found no SA"
else fail "a registered listener gets the ACQUIRE" "$(cat "$W/mon.out")"; fi
printf 'add 2001:db8:1::2 2001:db8:1::1 esp 0x777 -m transport -ls 1 -lh 2 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;\n' > "$W/exp.conf"
key -f "$W/exp.conf"
sleep 3.5
if grep -q 'soft expire' "$W/mon.out" && grep -q 'hard expire' "$W/mon.out" && grep -q 'spi=1911(0x00000777)' "$W/mon.out" &&
   [[ $(key -D) == "No SAD entries." ]]; then ok "sixkey -x: soft then hard EXPIRE of a 2-second SA, which is gone"
else fail "a registered listener gets the EXPIREs" "$(cat "$W/mon.out")"; fi

sixd_stop k
finish
