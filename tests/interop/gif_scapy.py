"""scapy as the far end of sixd's configured tunnels (the kernel here has no sit/ip6tnl).

Run inside the test's namespace: argv = iface six4 lin4 six6 lin6.
6in4: IP(lin4 -> six4, proto 41)/IPv6(2001:db8:ff::1 -> 2001:db8:ff::2)/echo
must come back as IP(six4 -> lin4, proto 41)/IPv6/echo reply.
4in6: IPv6(lin6 -> six6, nh 4)/IP(10.9.0.1 -> 10.9.0.2)/echo must come back
as IPv6(six6 -> lin6, nh 4)/IP/echo reply.
6in4 from a wrong outer source: no answer (the shell test checks the counter).
ND over the 6in4 tunnel, whose link-layer addresses are IPv4 addresses
(draft-ietf-ngtrans-hometun): an NS for sixd's address, unicast and to the
solicited-node group, with an SLLA option of length 1 carrying lin4 (4 bytes
and 2 zero bytes), must be answered inside 6in4 by a solicited NA whose TLLA
(type 2, length 1) carries six4 and two zero bytes.
With extra arguments `na ADDR4`: only send one unsolicited NA with Override
for 2001:db8:ff::1 whose TLLA names ADDR4 (the shell test checks that sixd
did not move the tunnel's remote end).
Prints TAP lines; exit status = failures."""
import socket
import struct
import sys
import time
from scapy.all import AsyncSniffer, IP, IPv6, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS, ICMPv6ND_NA, \
    Raw, send, conf
from scapy.layers.inet6 import in6_chksum

conf.verb = 0
iface, six4, lin4, six6, lin6 = sys.argv[1:6]
failed = 0
PEER6, SIX6 = "2001:db8:ff::1", "2001:db8:ff::2"   # the tunnel's IPv6 link (sixd's gif0 is ::2)


def lla_opt(kind, addr4):
    """An SLLA (1) or TLLA (2) option of length 1: an IPv4 address, two zero bytes."""
    return bytes([kind, 1]) + socket.inet_aton(addr4) + b"\0\0"


def result(ok, name, why=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name, flush=True)
    if not ok:
        failed += 1
        if why:
            print("# " + why, file=sys.stderr, flush=True)


def exchange(pkt, lfilter):
    sn = AsyncSniffer(iface=iface, lfilter=lfilter, count=1, timeout=4)
    sn.start()
    time.sleep(0.3)
    send(pkt, iface=iface)
    sn.join()
    return sn.results[0] if sn.results else None


def is_6in4_reply(p, ident):
    return (p.haslayer(IP) and p[IP].src == six4 and p[IP].dst == lin4 and p[IP].proto == 41
            and p.haslayer(ICMPv6EchoReply) and p[ICMPv6EchoReply].id == ident)


def six_in_four(src4, ident):
    inner = IPv6(src="2001:db8:ff::1", dst="2001:db8:ff::2") / ICMPv6EchoRequest(id=ident, seq=1, data=b"gif6in4")
    return exchange(IP(src=src4, dst=six4, proto=41) / inner, lambda p: is_6in4_reply(p, ident))


if sys.argv[6:7] == ["na"]:
    # unsolicited NA, Override, to all-nodes, TLLA = another IPv4 address: a
    # request to move the tunnel's remote end, unauthenticated
    na = IPv6(src=PEER6, dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=PEER6, R=0, S=0, O=1) / Raw(lla_opt(2, sys.argv[7]))
    send(IP(src=lin4, dst=six4, proto=41) / na, iface=iface)
    time.sleep(0.5)
    sys.exit(0)

got = six_in_four(lin4, 0x641)
ok = got is not None and got[IPv6].src == "2001:db8:ff::2" and got[IPv6].dst == "2001:db8:ff::1" \
    and bytes(got[ICMPv6EchoReply].data) == b"gif6in4" and got[IP].flags.DF == 0 and got[IP].ttl == 64
result(ok, "6in4: sixd answers an echo request through the tunnel, encapsulated (protocol 41, TTL 64, no DF)",
       repr(got))


def is_4in6_reply(p, ident):
    return (p.haslayer(IPv6) and p[IPv6].src == six6 and p[IPv6].dst == lin6 and p[IPv6].nh == 4
            and p.haslayer(ICMP) and p[ICMP].type == 0 and p[ICMP].id == ident)


inner4 = IP(src="10.9.0.1", dst="10.9.0.2") / ICMP(type=8, id=0x461, seq=1) / b"gif4in6"
got = exchange(IPv6(src=lin6, dst=six6, nh=4) / inner4, lambda p: is_4in6_reply(p, 0x461))
ok = got is not None and got[IPv6][IP].src == "10.9.0.2" and got[IPv6][IP].dst == "10.9.0.1" \
    and bytes(got[ICMP].payload).startswith(b"gif4in6") and got[IPv6].hlim == 64
result(ok, "4in6: sixd answers an IPv4 echo request through an IPv6 tunnel (next header 4, hop limit 64)",
       repr(got))

got = six_in_four("192.0.2.99", 0x642)
result(got is None, "6in4 from an outer source that is not the tunnel's remote gets no answer", repr(got))



def is_6in4_na(p):
    return (p.haslayer(IP) and p[IP].src == six4 and p[IP].dst == lin4 and p[IP].proto == 41
            and p.haslayer(IPv6) and p[IPv6].nh == 58 and bytes(p[IPv6].payload)[:1] == b"\x88")


def check_na(got, what):
    """got: sixd's answer to an NS for SIX6 from PEER6 with our SLLA. The
    ICMPv6 message is read from its bytes: scapy's TLLA class wants 6-byte MACs."""
    name = "ND over 6in4: sixd answers an NS (%s) with a solicited NA, TLLA = its IPv4 address + 2 zero bytes" % what
    if got is None:
        result(False, name, "no NA")
        return
    ip6 = got[IPv6]
    msg = bytes(ip6.payload)[:ip6.plen]
    why = []
    if ip6.src != SIX6 or ip6.dst != PEER6 or ip6.hlim != 255:
        why.append("IPv6 %s -> %s hlim %d" % (ip6.src, ip6.dst, ip6.hlim))
    zeroed = msg[:2] + b"\0\0" + msg[4:]
    if struct.unpack("!H", msg[2:4])[0] != in6_chksum(58, ip6, zeroed):
        why.append("bad ICMPv6 checksum")
    if len(msg) < 24 or msg[0] != 136 or msg[1] != 0:
        why.append("not an NA: %s" % msg.hex())
    else:
        flags = msg[4]
        if not flags & 0x40:
            why.append("Solicited not set")
        if not flags & 0x20:
            why.append("Override not set")
        if socket.inet_pton(socket.AF_INET6, SIX6) != msg[8:24]:
            why.append("target %s" % socket.inet_ntop(socket.AF_INET6, msg[8:24]))
        opts, tlla = msg[24:], None
        while len(opts) >= 8 and opts[1]:
            if opts[0] == 2:
                tlla = opts[:opts[1] * 8]
            opts = opts[opts[1] * 8:]
        if tlla != lla_opt(2, six4):
            why.append("TLLA %s, want %s" % (tlla.hex() if tlla else None, lla_opt(2, six4).hex()))
    result(not why, name, "; ".join(why) + " " + repr(got))


for dst, what in ((SIX6, "unicast"), ("ff02::1:ff00:2", "to the solicited-node group")):
    ns = IPv6(src=PEER6, dst=dst, hlim=255) / ICMPv6ND_NS(tgt=SIX6) / Raw(lla_opt(1, lin4))
    check_na(exchange(IP(src=lin4, dst=six4, proto=41) / ns, is_6in4_na), what)

sys.exit(failed)
