#!/usr/bin/env bash
# sixd as a service (issue 11 item 3): `make install DESTDIR=...`, then the
# INSTALLED programs and files are used:
#   - pkg-config --cflags --libs sixstack builds the installed
#     examples/sockets/hello_tcp.c against the installed libsix and headers;
#   - systemd-analyze verify accepts the installed units (offline: no
#     running systemd needed; their man: links checked against the
#     installed man pages);
#   - the installed sixd runs the shipped hometun example (client and
#     server configurations from share/doc/sixstack/examples, as
#     test_hometun_gw does with the source tree's), the client with
#     -u nobody: a ping crosses the ESP tunnel; the client's
#     /proc/PID/status shows uid 65534 and CapEff cap_net_admin+cap_net_raw
#     only, it still answers sixctl and still adds a TUN link;
#   - sixd --version / sixctl version / status (text and -j);
#   - config show fed to a fresh sixd as -c gives the same link show,
#     addr show, route show, ipsec sa, ipsec spd;
#   - sd_notify: READY=1 and STOPPING=1 reach $NOTIFY_SOCKET (abstract);
#   - make uninstall leaves nothing behind.
. "$(dirname "$0")/lib.sh"
need_root
for t in pkg-config systemd-analyze man unshare; do
  command -v $t >/dev/null || { fail "$T_NAME: $t missing (scripts/deps)"; finish; }
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
SANARGS=() SANCC=()
if [[ $BUILD == */san ]]; then SANARGS=(SAN=1); SANCC=(-fsanitize=address,undefined); fi
D=$W/destdir P=/usr/local
I=$D$P

# ------------------------------------------------------------- install
if make -s -C "$ROOT" install DESTDIR="$D" BUILD="$BUILD" "${SANARGS[@]}" >"$W/install.log" 2>&1; then
  ok "make install DESTDIR=... PREFIX=$P"
else fail "make install" "$(tail -20 "$W/install.log")"; finish; fi
missing=()
for f in sbin/sixd sbin/sixctl sbin/sixkey lib/libsix.a lib/pkgconfig/sixstack.pc include/six/six.h \
         include/six/socket.h include/six/sim.h share/man/man8/sixd.8 share/man/man8/sixctl.8 \
         share/man/man8/sixkey.8 lib/systemd/system/sixd.service lib/systemd/system/sixd@.service \
         lib/sysusers.d/sixstack.conf share/doc/sixstack/examples/hometun/client.conf \
         share/doc/sixstack/examples/sockets/hello_tcp.c share/doc/sixstack/README.md; do
  [[ -f $I/$f ]] || missing+=("$f")
done
((${#missing[@]} == 0)) && ok "installed: binaries, libsix.a, headers, sixstack.pc, man pages, units, sysusers, examples" ||
  fail "installed files" "missing: ${missing[*]}"
SIXD=$I/sbin/sixd SIXCTL=$I/sbin/sixctl

# ------------------------------------------------------------- pkg-config
export PKG_CONFIG_PATH=$I/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
flags=$(pkg-config --cflags --libs sixstack 2>&1)
if [[ $flags == *"-I$I/include"* && $flags == *"-L$I/lib"* && $flags == *-lsix* && $flags == *-lcrypto* ]]; then
  ok "pkg-config --cflags --libs sixstack: $flags"
else fail "pkg-config --cflags --libs sixstack" "$flags"; fi
# shellcheck disable=SC2086
if cc -std=c17 -Wall -Werror "${SANCC[@]}" -o "$W/hello_tcp" "$I/share/doc/sixstack/examples/sockets/hello_tcp.c" \
     $(pkg-config --cflags --libs sixstack) 2>"$W/cc.log" && out=$("$W/hello_tcp" 2>&1) &&
   [[ $out == *"echoed back: hello over a userspace IPv6 stack"* ]]; then
  ok "examples/sockets/hello_tcp builds against the installed libsix (pkg-config) and runs"
else fail "hello_tcp against the installed libsix" "$(cat "$W/cc.log") $out"; fi
[[ $(pkg-config --modversion sixstack) == "$("$SIXD" --version | cut -d' ' -f2)" ]] &&
  ok "sixstack.pc's Version is sixd --version's" || fail "sixstack.pc version" "$(pkg-config --modversion sixstack)"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ------------------------------------------------------------- systemd units
mkdir -p "$W/units"
for u in sixd.service sixd@.service; do
  sed "s|$P/sbin/|$I/sbin/|" "$I/lib/systemd/system/$u" > "$W/units/$u"
done
if grep -q "^ExecStart=$P/sbin/sixd " "$I/lib/systemd/system/sixd.service" &&
   grep -q "^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$" "$I/lib/systemd/system/sixd.service" &&
   grep -q "^Type=notify$" "$I/lib/systemd/system/sixd@.service" &&
   grep -q "^ExecStart=.* -c /etc/sixstack/%i.conf -s /run/sixstack/%i.sock" "$I/lib/systemd/system/sixd@.service"; then
  ok "installed units: ExecStart under PREFIX, Type=notify, CapabilityBoundingSet, sixd@ per configuration"
else fail "installed units" "$(grep -E '^(ExecStart|Type|Capab)' "$I"/lib/systemd/system/*.service)"; fi
vout=$(cd "$W/units" && MANPATH=$I/share/man systemd-analyze verify ./sixd.service ./sixd@demo.service 2>&1); rc=$?
ours=$(grep -E 'sixd(@[a-z]*)?\.service' <<<"$vout")
if [[ $rc == 0 && -z $ours ]]; then ok "systemd-analyze verify accepts sixd.service and sixd@demo.service (no warning)"
else fail "systemd-analyze verify" "rc=$rc: $vout"; fi
# the check can fail: a unit with an unknown key is refused
sed 's/^NoNewPrivileges=yes/NoNewPrivileges=yes\nCapabilityBoundSet=CAP_NET_RAW/' "$W/units/sixd.service" > "$W/units/bad.service"
vout=$(cd "$W/units" && MANPATH=$I/share/man systemd-analyze verify ./bad.service 2>&1)
[[ $vout == *"Unknown key"* ]] && ok "systemd-analyze verify does find a misspelt key (the check can fail)" ||
  fail "verify finds a misspelt key" "$vout"

# ------------------------------------------------------------- version
v=$("$SIXD" --version) v2=$("$SIXD" -V) c=$("$SIXCTL" -V)
if [[ $v == "sixd "?* && $v == "$v2" && ${c#sixctl } == "${v#sixd }" ]]; then ok "sixd --version / -V, sixctl -V: $v"
else fail "versions" "$v / $v2 / $c"; fi

# ------------------------------------------------------------- hometun example, installed
HH=$(ns_add svc-hh) && HC=$(ns_add svc-hc) && HISP=$(ns_add svc-isp) && HS=$(ns_add svc-hs) || { fail "netns"; finish; }
veth "$HH" h0 "$HC" h1 && veth "$HC" c0 "$HISP" i0 && veth "$HISP" i1 "$HS" s0 || { fail "veth"; finish; }
nsrun "$HISP" sysctl -qw net.ipv4.ip_forward=1
nsrun "$HISP" ip addr add 192.0.2.1/24 dev i0
nsrun "$HISP" ip addr add 198.51.100.1/24 dev i1
nsrun "$HC" ip addr add 192.0.2.2/24 dev c0
nsrun "$HC" ip route add default via 192.0.2.1
nsrun "$HS" ip addr add 198.51.100.2/24 dev s0
nsrun "$HS" ip route add default via 198.51.100.1
nsrun "$HH" ip addr add 2001:db8:1000:1::10/64 dev h0 nodad
nsrun "$HH" ip -6 route add default via 2001:db8:1000:1::1
EX=$I/share/doc/sixstack/examples/hometun
sed "s|/etc/sixstack/hometun.setkey|$EX/hometun.setkey|; s|dev eth0|dev c0|" "$EX/client.conf" > "$W/hc.conf"
sed "s|/etc/sixstack/hometun.setkey|$EX/hometun.setkey|; s|dev eth0|dev s0|" "$EX/server.conf" > "$W/hs.conf"

# sd_notify: a datagram listener on an abstract name, as systemd's (in the
# server's namespace: abstract names belong to a network namespace)
nsrun "$HS" "$PY" - "$W/notify.txt" "six-notify-$$" >"$W/notify.log" 2>&1 <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[2])
s.settimeout(60)
with open(sys.argv[1], "a") as f:
    f.write("listening\n"); f.flush()
    while True:
        try:
            m = s.recv(4096)
        except socket.timeout:
            break
        f.write(m.decode() + "\n--\n"); f.flush()
PYEOF
track_pid $!
for _ in $(seq 50); do [[ -s $W/notify.txt ]] && break; sleep 0.1; done
NOTIFY_SOCKET="@six-notify-$$" sixd_start hs "$HS" "$W/hs.conf" || { fail "installed sixd runs the example server.conf"; finish; }
grep -q "^READY=1" "$W/notify.txt" && ok "sd_notify: READY=1 reached \$NOTIFY_SOCKET (abstract name) once sixd was ready" ||
  fail "sd_notify READY=1" "$(cat "$W/notify.txt")"

# the client as nobody, in a mount namespace where /dev/net/tun is 0666 as on
# a usual host (udev's rule; this container has it 0600): `link add` of a TUN
# after the drop needs only the device node's permission and CAP_NET_ADMIN
mknod -m 0666 "$W/tun" c 10 200
# the state directory belongs to the user sixd becomes (as systemd's
# StateDirectory= makes it): the high-water marks are written after the drop
chmod o+x "$W"   # nobody must reach its directory below the scratch folder
install -d -m 0700 -o nobody "$W/hc-state"
unshare -m --propagation private sh -c "mount --bind '$W/tun' /dev/net/tun && exec ip netns exec '$HC' '$SIXD' -f -d -n hc -u nobody -S '$W/hc-state' -c '$W/hc.conf' -s '$W/hc.sock'" >"$W/hc.log" 2>&1 &
HCPID=$!; track_pid $HCPID
for _ in $(seq 100); do "$SIXCTL" -s "$W/hc.sock" stats ip6.in_receives >/dev/null 2>&1 && break; sleep 0.1; done
sed 's/eth1/h1/' "$EX/client-host.sh" > "$W/client-host.sh"
nsrun "$HC" sh "$W/client-host.sh" && nsrun "$HS" sh "$EX/server-host.sh" || fail "example host scripts"
pid=$(ip netns pids "$HC" | while read -r p; do [[ $(cat /proc/$p/comm 2>/dev/null) == sixd ]] && echo "$p"; done | head -1)
st=$(grep -E '^(Uid|CapEff|CapPrm|CapBnd):' "/proc/$pid/status" 2>/dev/null | tr -s '\t ' ' ')
if [[ $st == *"Uid: 65534 65534 65534 65534"* && $st == *"CapEff: 0000000000003000"* &&
      $st == *"CapPrm: 0000000000003000"* && $st == *"CapBnd: 0000000000003000"* ]]; then
  ok "sixd -u nobody: /proc/PID/status uid 65534, CapEff/CapPrm/CapBnd = cap_net_admin,cap_net_raw only"
else fail "sixd -u nobody: uid and capabilities" "pid=$pid $st"; fi
"$SIXCTL" -s "$W/hc.sock" link show gif0 >/dev/null && "$SIXCTL" -s "$W/hc.sock" link add tun9 type tun &&
  [[ $("$SIXCTL" -s "$W/hc.sock" link show tun9) == *"kind tun"* ]] && ip -n "$HC" link show tun9 >/dev/null 2>&1 &&
  ok "sixd -u nobody still answers sixctl and adds a TUN link (CAP_NET_ADMIN kept)" ||
  fail "sixd -u nobody: sixctl and link add tun9" "$(tail -3 "$W/hc.log")"
"$SIXCTL" -s "$W/hc.sock" link del tun9
if nsrun "$HH" ping -6 -c 3 -i 0.3 -W 5 2001:db8:ffff:ff::2 >"$W/ping.log" 2>&1 ||
   nsrun "$HH" ping -6 -c 3 -i 0.3 -W 5 2001:db8:ffff:ff::2 >>"$W/ping.log" 2>&1; then
  ok "installed sixd (client as nobody, server) run the shipped hometun example: the home host pings the server side through ESP"
else fail "hometun example with the installed sixd" "$(cat "$W/ping.log"; tail -5 "$W/hc.log")"; fi
# a pidfile path that is a symlink (its directory may be the service
# user's): sixd writes a new file, and chowns nothing through the link
echo victim > "$W/victim"; ln -s "$W/victim" "$W/pl.pid"
"$SIXD" -f -n pl -S - -u nobody -p "$W/pl.pid" -s "$W/pl.sock" >"$W/pl.log" 2>&1 &
plpid=$!; track_pid $plpid
for _ in $(seq 50); do [[ -S $W/pl.sock ]] && break; sleep 0.1; done
if [[ $(cat "$W/victim") == victim && $(stat -c %U "$W/victim") == root && ! -L $W/pl.pid &&
      $(cat "$W/pl.pid") == "$plpid" && $(stat -c %U "$W/pl.pid") == nobody ]]; then
  ok "sixd -u -p through a planted symlink: a new pidfile, the link's target untouched"
else fail "pidfile symlink" "$(ls -l "$W/victim" "$W/pl.pid"; cat "$W/victim"; tail -3 "$W/pl.log")"; fi
kill "$plpid" 2>/dev/null; wait "$plpid" 2>/dev/null
install -d -m 0700 "$W/root-state"
out=$("$SIXD" -f -n rs -u nobody -S "$W/root-state" -s "$W/rs.sock" 2>&1); rc=$?
[[ $rc != 0 && $out == *"state directory $W/root-state is not writable by nobody"* ]] &&
  ok "sixd -u nobody with a state directory only root can write: refused at start, exit $rc" ||
  fail "sixd -u with an unwritable state directory" "rc=$rc $out"
out=$("$SIXD" -f -u no-such-user-$$ -s "$W/x.sock" 2>&1); rc=$?
[[ $rc != 0 && $out == *"-u no-such-user-$$: no such user"* && ! -e $W/x.sock ]] &&
  ok "sixd -u with an unknown user: a clear error, exit $rc" || fail "sixd -u unknown user" "rc=$rc $out"

# ------------------------------------------------------------- version, status
out=$("$SIXCTL" -s "$W/hs.sock" version)
[[ $out == "sixctl ${v#sixd }"$'\n'"$v" ]] && ok "sixctl version: client and daemon" || fail "sixctl version" "$out"
out=$("$SIXCTL" -s "$W/hs.sock" -j version)
echo "$out" | "$PY" -c "import json,sys; d=json.load(sys.stdin); assert d['daemon']==d['client']=='${v#sixd }'" 2>/dev/null &&
  ok "sixctl -j version" || fail "sixctl -j version" "$out"
out=$("$SIXCTL" -s "$W/hs.sock" status)
if [[ $out == "$v, stack hs, up "* && $out == *"ht-c1 "*"gif  UP"* && $out == *"2001:db8:ff00::1/64"* &&
      $out == *"ipsec: 2 SAs, 0 policies"* && $out == *"tunnels:"*"ht-c1"*"remote 192.0.2.2"*"hometun server"* &&
      $out == *"routes: "* && $out == *"leases: none"* && $out == *"forwarding: IPv6 on, IPv4 off"* ]]; then
  ok "sixctl status: version, uptime, interfaces with addresses, tunnels, SAs, routes, leases"
else fail "sixctl status" "$out"; fi
out=$("$SIXCTL" -s "$W/hs.sock" -j status)
echo "$out" | "$PY" -c '
import json,sys
d = json.load(sys.stdin)
assert d["name"] == "hs" and d["uptime_s"] >= 0 and d["forwarding"]["ipv6"] is True
names = [i["ifname"] for i in d["interfaces"]]
assert names == ["wan0", "tun0", "ht-c1"], names
assert d["tunnels"][0]["ifname"] == "ht-c1" and len(d["sas"]) == 2 and d["leases"] == []
assert any(s["spi"] == 0x1001 and s["packets"] > 0 for s in d["sas"]), d["sas"]' 2>"$W/py.err" &&
  ok "sixctl -j status is JSON with the same (and SA 0x1001 counted the ping's packets)" ||
  fail "sixctl -j status" "$(cat "$W/py.err") $out"

# ------------------------------------------------------------- config show round trip
# more than the example has: transport SAs, AH, policies with ports, ICMP
# type and priorities, IPv4 routes, DNS servers, gif options
cmds=("ipsec exec add 2001:db8:aaaa::1 2001:db8:bbbb::1 esp 0x2001 -m transport -u 7 -r 32 -esn -lh 3600 -ls 3000 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha2-256 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff;" \
         "ipsec exec add 2001:db8:aaaa::1 2001:db8:bbbb::1 ah 0x2002 -A hmac-sha1 0x0011223344556677889900112233445566778899;" \
         "ipsec exec spdadd 2001:db8:aaaa::/64[80] 2001:db8:bbbb::/64 tcp -P out prio 5 ipsec esp/transport//require;" \
         "ipsec exec spdadd 10.77.0.0/16 10.78.0.0/16 icmp 8,0 -P in prio def-7 ipsec esp/tunnel/198.51.100.2-192.0.2.9/unique:3;" \
         "link add tun1 type tun" "link set tun1 mtu 1400 up" "addr add 10.9.0.1/24 dev tun1" "addr add 2001:db8:77::1/64 dev tun1" \
         "route add 10.100.0.0/16 via 10.9.0.2" "route add 2001:db8:7700::/40 via 2001:db8:77::2" \
         "link add gif9 type gif local 2001:db8:77::1 remote 2001:db8:77::9" "link set gif9 hlim 9 tclass 0x20 ingress-check off mtu 1300" \
         "dns server add 2001:db8::53" "dns server add 192.0.2.53 port 5353")
printf '%s\n' "${cmds[@]}" > "$W/more.conf"
"$SIXCTL" -s "$W/hs.sock" -f "$W/more.conf" || fail "config round trip: more configuration (sixctl -f)"
"$SIXCTL" -s "$W/hs.sock" config show > "$W/shown.conf" || fail "config show"
note "config show:"; sed 's/^/#   /' "$W/shown.conf" >&2
HS2=$(ns_add svc-hs2) && ip -n "$HS2" link add s0 type veth peer name s1 && ip -n "$HS2" link set s0 up &&
  ip -n "$HS2" link set s1 up && ip -n "$HS2" addr add 198.51.100.2/24 dev s0 || fail "netns hs2"
sixd_start hs2 "$HS2" "$W/shown.conf" && ok "config show's output starts a fresh sixd (-c)" ||
  fail "config show's output starts a fresh sixd"
# counters and the link-local addresses (RFC 7217: a random secret per stack) differ
norm() { grep -v -e 'RX:' -e 'TX:' -e 'scope link' -e 'last rx' | sed -e 's/ current .*//' -e 's/; first use .*//' -e 's/; last packet never//'; }
for v in "link show" "addr show" "route show" "ipsec sa" "ipsec spd" "dns show"; do
  # shellcheck disable=SC2086
  a=$("$SIXCTL" -s "$W/hs.sock" $v | norm) b=$("$SIXCTL" -s "$W/hs2.sock" $v | norm)
  if [[ -n $a && $a == "$b" ]]; then ok "config show round trip: the same $v"
  else fail "config show round trip: the same $v" "$(diff <(echo "$a") <(echo "$b"))"; fi
done
"$SIXCTL" -s "$W/hs2.sock" config show | tail -n +2 > "$W/shown2.conf"
tail -n +2 "$W/shown.conf" | diff - "$W/shown2.conf" >/dev/null && ok "config show of the copy is the same file" ||
  fail "config show of the copy" "$(tail -n +2 "$W/shown.conf" | diff - "$W/shown2.conf")"
"$SIXCTL" -s "$W/hs.sock" -j config show >/dev/null 2>&1; [[ $? == 2 ]] && ok "config show -j: a usage error (a file is text)" ||
  fail "config show -j refused"

sixd_stop hs
grep -q "^STOPPING=1" "$W/notify.txt" && ok "sd_notify: STOPPING=1 at SIGTERM" || fail "sd_notify STOPPING=1" "$(cat "$W/notify.txt")"

# ------------------------------------------------------------- uninstall
if make -s -C "$ROOT" uninstall DESTDIR="$D" BUILD="$BUILD" "${SANARGS[@]}" >"$W/uninstall.log" 2>&1 &&
   [[ -z $(find "$D" -type f) ]]; then ok "make uninstall removes every installed file"
else fail "make uninstall" "$(find "$D" -type f | head) $(tail -5 "$W/uninstall.log")"; fi
finish
