# pcap_clean FILE: tshark reads FILE and finds no malformed packet and no bad
# checksum (IPv4 header, ICMP, ICMPv6, UDP, TCP). Prints the offenders.
# Excused: a TCP checksum of 0xffff. Linux writes it where the true sum is 0
# (CSUM_MANGLED_0 on the TAP path, about one segment in 65536); it is the
# other one's-complement zero and valid, but tshark calls it bad. sixstack's
# own emitter never writes 0xffff for TCP, so only kernel segments match.
pcap_clean() {
  local f=$1 out
  [[ -s $f ]] || { echo "empty or missing pcap $f"; return 1; }
  out=$(tshark -n -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
        -Y '(_ws.malformed || _ws.expert.severity == "error" || ip.checksum.status == "Bad" || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad" || udp.checksum.status == "Bad" || tcp.checksum.status == "Bad") && !(tcp.checksum == 0xffff)' 2>"$f.tshark-err")
  local rc=$?
  if ((rc != 0)) || [[ -n $out ]]; then
    echo "tshark rc=$rc: $out $(grep -v 'Running as user' "$f.tshark-err")" | head -20
    return 1
  fi
  local n
  n=$(tshark -n -r "$f" 2>/dev/null | wc -l)
  ((n > 0)) || { echo "no packets in $f"; return 1; }
}
