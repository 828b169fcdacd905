# Sourced by tests/interop/test_hostip.sh and bench/bench_hometun.sh: the
# sixd configuration of one end of a gateway-mode ESP tunnel (host link for
# the outer IPv4, TUN to the host kernel, gif bound to the SA pair), so the
# test and the benchmark measure the same set-up.
# gw_conf OUTFILE WANDEV LOCAL4 REMOTE4 SPI-OUT SPI-IN OWN6 OTHER6 SAFILE
gw_conf() {
  cat > "$1" <<CONF
link add wan0 type host dev $2
link set wan0 up
route add default4 dev wan0
link add tun0 type tun
link set tun0 up
addr add $7::1/64 dev tun0
ipsec load $9
link add gif0 type gif local $3 remote $4
link set gif0 esp $5 $6
link set gif0 mtu 1400
link set gif0 up
route add $8::/64 dev gif0
set forwarding on
CONF
}
