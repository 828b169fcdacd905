"""scapy as the far end of sixd's configured tunnels (the kernel here has no sit/ip6tnl).

Run inside the test's namespace: argv = iface six4 lin4 six6 lin6.
6in4: IP(lin4 -> six4, proto 41)/IPv6(2001:db8:ff::1 -> 2001:db8:ff::2)/echo
must come back as IP(six4 -> lin4, proto 41)/IPv6/echo reply.
4in6: IPv6(lin6 -> six6, nh 4)/IP(10.9.0.1 -> 10.9.0.2)/echo must come back
as IPv6(six6 -> lin6, nh 4)/IP/echo reply.
6in4 from a wrong outer source: no answer (the shell test checks the counter).
Prints TAP lines; exit status = failures."""
import sys
import time
from scapy.all import AsyncSniffer, IP, IPv6, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, send, conf

conf.verb = 0
iface, six4, lin4, six6, lin6 = sys.argv[1:6]
failed = 0


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

sys.exit(failed)
