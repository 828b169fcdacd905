#!/usr/bin/python3
"""Hostile packets from scapy (an independent packet forger) into sixd over a
TAP: each case must be dropped and counted under its own named counter, and
sixd must keep answering pings throughout.

usage: hostile.py IFACE SIXCTL SOCKET SIX_MAC SIX_IP6 SIX_LL SIX_IP4 MY_IP6 MY_IP4
Prints "ok - ..." / "not ok - ..." lines.
"""
import subprocess
import sys
import time

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, conf, fragment6, get_if_hwaddr, sendp, PadN, HBHOptUnknown)

conf.verb = 0
iface, sixctl, sock, six_mac, six6, six_ll, six4, my6, my4 = sys.argv[1:10]
my_mac = get_if_hwaddr(iface)
six_mac_b = bytes(int(x, 16) for x in six_mac.split(":"))
failed = 0


def inet_cksum(b):
    """RFC 1071, written here independently of sixstack's own code."""
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def counter(name):
    out = subprocess.run([sixctl, "-s", sock, "stats", name], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) if out.returncode == 0 else -1


def pings_ok():
    a = subprocess.run(["ping", "-6", "-c", "1", "-W", "2", six6], capture_output=True).returncode == 0
    b = subprocess.run(["ping", "-4", "-c", "1", "-W", "2", six4], capture_output=True).returncode == 0
    return a and b


def case(name, ctr, frames, count=1):
    """Send frames; the counter must grow by at least count; sixd still answers."""
    global failed
    before = counter(ctr)
    for f in frames if isinstance(frames, list) else [frames]:
        sendp(f, iface=iface)
    time.sleep(0.3)
    after = counter(ctr)
    alive = pings_ok()
    if before >= 0 and after - before >= count and alive:
        print(f"ok - {name} (dropped, {ctr} +{after - before})")
    else:
        failed += 1
        print(f"not ok - {name} ({ctr}: {before} -> {after}, still answering pings: {alive})")
    sys.stdout.flush()


E6 = Ether(src=my_mac, dst=six_mac)
E4 = Ether(src=my_mac, dst=six_mac)
echo = ICMPv6EchoRequest(id=7, seq=1, data=b"x" * 16)
bad6 = bytes(E6 / IPv6(src=my6, dst=six6) / echo)

# truncated and lying headers
case("truncated IPv6 header", "ip6.drop.truncated", Ether(src=my_mac, dst=six_mac, type=0x86dd) / Raw(b"\x60" + b"\0" * 19))
case("IPv6 payload length larger than the packet", "ip6.drop.bad_length",
     Ether(src=my_mac, dst=six_mac, type=0x86dd) / Raw(bytes(IPv6(src=my6, dst=six6, plen=1000, nh=58) / echo)))
case("IPv6 version field 4 in an IPv6 frame", "ip6.drop.bad_version", Ether(src=my_mac, dst=six_mac, type=0x86dd) / Raw(b"\x40" + bytes(IPv6(src=my6, dst=six6) / echo)[1:]))
case("truncated IPv4 header", "ip4.drop.truncated", Ether(src=my_mac, dst=six_mac, type=0x0800) / Raw(b"\x45\0\0\x14" + b"\0" * 8))
case("IPv4 total length larger than the packet", "ip4.drop.bad_length", Ether(src=my_mac, dst=six_mac, type=0x0800) / Raw(bytes(IP(src=my4, dst=six4, len=1400) / ICMP())))
case("IPv4 header checksum wrong", "ip4.drop.bad_cksum", E4 / IP(src=my4, dst=six4, chksum=0x1234) / ICMP())
# an IPv4 header with one option (type 7, length 9) running past the header
optb = bytearray(bytes(IP(src=my4, dst=six4) / ICMP())[:20] + b"\x07\x09\x00\x00" + bytes(ICMP()))
optb[0] = 0x46
optb[2:4] = len(optb).to_bytes(2, "big")
optb[10:12] = b"\0\0"
optb[10:12] = inet_cksum(bytes(optb[:24])).to_bytes(2, "big")
case("IPv4 option with a bad length", "ip4.drop.bad_opt_len", Ether(src=my_mac, dst=six_mac, type=0x0800) / Raw(bytes(optb)))
# extension header chains
case("extension header chain over-long (10 Destination Options)", "ip6.drop_ext_chain_too_long",
     E6 / IPv6(src=my6, dst=six6) / (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()) / echo)
case("Hop-by-Hop header not first", "ip6.drop_hbh_not_first",
     E6 / IPv6(src=my6, dst=six6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / echo)
case("option running past its header", "ip6ext.drop.opt_truncated",
     E6 / IPv6(src=my6, dst=six6, nh=60) / Raw(b"\x3a\x00\x1e\x09\x00\x00\x00\x00") / echo)
case("PadN run longer than 7 bytes", "ip6ext.drop.pad_too_long",
     E6 / IPv6(src=my6, dst=six6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 12)]) / echo)
case("unknown option, action 01 (discard)", "ip6.drop_opt_discard",
     E6 / IPv6(src=my6, dst=six6) / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x5e, optdata=b"ab")]) / echo)
case("unknown option, action 10 (discard + Parameter Problem)", "ip6.drop_opt_param_prob",
     E6 / IPv6(src=my6, dst=six6) / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x9e, optdata=b"ab")]) / echo)
case("unknown next header (Parameter Problem code 1)", "ip6.drop_unknown_nxt",
     E6 / IPv6(src=my6, dst=six6, nh=253) / Raw(b"hello"))
case("Routing Header type 0 with segments left", "ip6.drop_rthdr0",
     E6 / IPv6(src=my6, dst=six6) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8::99"]) / echo)
# fragments
frags = fragment6(IPv6(src=my6, dst=six6) / IPv6ExtHdrFragment(id=0x1111) / ICMPv6EchoRequest(id=8, data=b"A" * 2400), 1280)
f0 = frags[0]
over = IPv6(src=my6, dst=six6) / IPv6ExtHdrFragment(id=0x1111, offset=8, m=1, nh=58) / Raw(b"B" * 512)
case("overlapping fragments", "frag6.drop_overlap", [E6 / f0, E6 / over])
tiny = IPv6(src=my6, dst=six6) / IPv6ExtHdrFragment(id=0x2222, offset=0, m=1, nh=6) / Raw(b"\0" * 8)
case("tiny first fragment without the whole header chain (RFC 7112)", "frag6.drop_first_incomplete_chain", E6 / tiny)
odd = IPv6(src=my6, dst=six6) / IPv6ExtHdrFragment(id=0x3333, offset=0, m=1, nh=58) / Raw(bytes(echo)[:8] + b"\0" * 13)
case("non-final fragment whose length is not a multiple of 8", "frag6.drop_bad_len", E6 / odd)
# Neighbor Discovery
ns = IPv6(src=my6, dst="ff02::1:ff00:2", hlim=64) / ICMPv6ND_NS(tgt=six6) / ICMPv6NDOptSrcLLAddr(lladdr=my_mac)
case("NS with hop limit 64", "nd6.drop_hlim", Ether(src=my_mac, dst="33:33:ff:00:00:02") / ns)
nsf = fragment6(IPv6(src=my6, dst=six6, hlim=255) / IPv6ExtHdrFragment(id=0x4444) /
                ICMPv6ND_NS(tgt=six6) / ICMPv6NDOptSrcLLAddr(lladdr=my_mac) / Raw(b"\0" * 1400), 1280)
case("NS inside fragments (RFC 6980)", "nd6.drop_fragmented", [E6 / f for f in nsf])
zl = IPv6(src=my6, dst=six6, hlim=255) / ICMPv6ND_NS(tgt=six6) / Raw(b"\x01\x00\x00\x00\x00\x00\x00\x00")
case("ND option of length zero", "nd6.drop.zero_len_opt", E6 / zl)
ra = IPv6(src=my6, dst="ff02::1", hlim=255) / ICMPv6ND_RA()
case("RA from a global address", "nd6.drop_ra_not_linklocal", Ether(src=my_mac, dst="33:33:00:00:00:01") / ra)
# bad checksums
b = bytearray(bad6); b[-20] ^= 0xff
case("ICMPv6 with a bad checksum", "icmp6.drop.bad_cksum", Raw(bytes(b)))
case("UDP over IPv6 with a bad checksum", "udp.drop.bad_cksum", E6 / IPv6(src=my6, dst=six6) / UDP(sport=1, dport=9, chksum=0x4321) / Raw(b"x"))
case("UDP over IPv6 with a zero checksum", "udp.drop.zero_cksum", E6 / IPv6(src=my6, dst=six6) / UDP(sport=1, dport=9, chksum=0) / Raw(b"x"))
case("ICMP (IPv4) with a bad checksum", "icmp4.drop.bad_cksum", E4 / IP(src=my4, dst=six4) / ICMP(chksum=0x1111))
# a TCP header whose MSS option claims length 1, with a correct checksum
tcpb = bytearray(bytes(TCP(sport=1, dport=80, dataofs=6, flags="S", chksum=0) / Raw(b"\x02\x01\x00\x00")))
tcpb[12] = 6 << 4
tcpb[16:18] = b"\0\0"
ph = bytes(IPv6(src=my6, dst=six6))[8:40] + len(tcpb).to_bytes(4, "big") + b"\0\0\0\x06"
tcpb[16:18] = inet_cksum(ph + bytes(tcpb)).to_bytes(2, "big")
case("TCP option with a bad length", "tcp.drop.bad_tcp_opt", E6 / IPv6(src=my6, dst=six6, nh=6) / Raw(bytes(tcpb)))
case("TCP SYN to a closed port gets a RST", "tcp.out_rst", E6 / IPv6(src=my6, dst=six6) / TCP(sport=1, dport=81, flags="S"))
# ARP
case("ARP with hardware length 8", "arp.drop.bad_addr_len", Ether(src=my_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(hwlen=8, pdst=six4, psrc=my4))
case("ARP claiming sixd's own address", "arp.conflict", Ether(src="02:00:00:00:66:66", dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc="02:00:00:00:66:66", psrc=six4, pdst=six4))
# runts
# A TAP cannot carry a frame shorter than 14 bytes: the kernel pads it (the
# simulator's tests cover true runts). A bare 14-byte IPv6 header-less frame:
case("Ethernet header alone (no IPv6 header)", "ip6.drop.truncated", Ether(src=my_mac, dst=six_mac, type=0x86dd))
case("10-byte frame (padded to 14 by the kernel: unknown EtherType)", "if.drop_unknown_ethertype", Raw(six_mac_b[:6] + b"\x02" * 4))
sys.exit(1 if failed else 0)
