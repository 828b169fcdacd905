"""scapy as three hometun clients of one sixd server, two of them hostile (issue 10).

Run inside the test's namespace: argv = iface. The server (sixd, see
test_hometun_attack.sh) has, on 192.0.2.2, bound ESP tunnels ht-c1 (client
1, 192.0.2.10), ht-c2 (client 2, 192.0.2.50) and ht-c3 (client 3 behind a
NAT, ESP in UDP 4500, 192.0.2.70, -natt_follow); on 192.0.2.3 the draft's
fallback ht-f (client F, 192.0.2.20, transport ESP on protocol 41), and a
transport SA client 2 has with it from 192.0.2.51.

Each step prints a TAP line; the shell test checks sixd's counters and
tunnel ends afterwards. Exit status = failures."""
import sys
import time
from scapy.all import AsyncSniffer, IP, IPv6, UDP, ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NA, Raw, send, conf
from scapy.layers.ipsec import SecurityAssociation, ESP
import socket

conf.verb = 0
iface = sys.argv[1]
failed = 0
SRV, SRV_F = "192.0.2.2", "192.0.2.3"


def key(h):
    return bytes.fromhex(h)


K = {s: key(h) for s, h in {
    0x2001: "0102030405060708090a0b0c0d0e0f10a1a2a3a4", 0x2002: "1112131415161718191a1b1c1d1e1f20b1b2b3b4",
    0x3001: "2122232425262728292a2b2c2d2e2f30c1c2c3c4", 0x3002: "3132333435363738393a3b3c3d3e3f40d1d2d3d4",
    0x4001: "4142434445464748494a4b4c4d4e4f50e1e2e3e4", 0x4002: "5152535455565758595a5b5c5d5e5f60f1f2f3f4",
    0x5002: "6162636465666768696a6b6c6d6e6f7001020304",
    0x7001: "7172737475767778797a7b7c7d7e7f8005060708", 0x7002: "8182838485868788898a8b8c8d8e8f9009101112",
}.items()}


def result(ok, name, why=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name, flush=True)
    if not ok:
        failed += 1
        if why:
            print("# " + why, file=sys.stderr, flush=True)


def tun_sa(spi, src, dst):
    return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=K[spi], tunnel_header=IP(src=src, dst=dst))


def tr_sa(spi):
    return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=K[spi])


def natt_sa(spi, src, dst):
    return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=K[spi], tunnel_header=IP(src=src, dst=dst),
                               nat_t_header=UDP(sport=4500, dport=4500))


def sniff_send(pkt, spi_back, timeout=3):
    """Send pkt; the first ESP packet from sixd with spi_back (bare or in UDP 4500; an int or a
    tuple of SPIs), or None."""
    spis = spi_back if isinstance(spi_back, tuple) else (spi_back,)

    def want(p):
        if not p.haslayer(IP) or p[IP].src not in (SRV, SRV_F):
            return False
        if p.haslayer(ESP):
            return p[ESP].spi in spis
        return p.haslayer(UDP) and p[UDP].sport == 4500 and len(bytes(p[UDP].payload)) > 8 and \
            int.from_bytes(bytes(p[UDP].payload)[:4], "big") in spis
    sn = AsyncSniffer(iface=iface, lfilter=want, count=1, timeout=timeout)
    sn.start()
    time.sleep(0.3)
    send(pkt, iface=iface)
    sn.join()
    return sn.results[0] if sn.results else None


def echo6(src, dst, ident):
    return IPv6(src=src, dst=dst) / ICMPv6EchoRequest(id=ident, seq=1, data=b"hometun attack")


def is_reply(d, ident):
    return d is not None and d.haslayer(ICMPv6EchoReply) and d[ICMPv6EchoReply].id == ident


def decrypt_tunnel(sa, got):
    return sa.decrypt(IP(bytes(got[IP])))


def na(src6, target, tlla4):
    tlla = bytes([2, 1]) + socket.inet_aton(tlla4) + b"\0\0"
    return IPv6(src=src6, dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=target, R=0, S=0, O=1) / Raw(tlla)


def natt_packet(sa, inner, seq, src, sport):
    """ESP in UDP from src:sport with sequence number seq (scapy 2.5 leaves the UDP length at 8: rebuilt)."""
    raw = bytes(sa.encrypt(inner, seq_num=seq))
    hl = (raw[0] & 0x0f) * 4
    return IP(src=src, dst=SRV) / UDP(sport=sport, dport=4500, chksum=0) / Raw(raw[hl + 8:])


# --- bound tunnels: client 1 works; client 2 cannot move it, nor source its prefix
c1_out, c1_in = tun_sa(0x2002, "192.0.2.10", SRV), tun_sa(0x2001, SRV, "192.0.2.10")
got = sniff_send(c1_out.encrypt(echo6("2001:db8:1000:1::10", "2001:db8:ff00::1", 0x101)), 0x2001)
result(got is not None and got[IP].dst == "192.0.2.10" and is_reply(decrypt_tunnel(c1_in, got), 0x101),
       "client 1 (bound ESP tunnel): the server answers through its tunnel")

# one SA (one sequence counter), two outer sources: client 1's, then its own. A
# link-local target is on every tunnel's link: it can only move client 2's own
# tunnel, so its TLLA is client 2's own address (a no-op)
c2_own = tun_sa(0x3002, "192.0.2.50", SRV)
c2_in = tun_sa(0x3001, SRV, "192.0.2.50")
for outer in ("192.0.2.10", "192.0.2.50"):
    c2_own.tunnel_header = IP(src=outer, dst=SRV)
    send(c2_own.encrypt(na("fe80::c000:232", "2001:db8:ff00::2", "192.0.2.66")), iface=iface)
    send(c2_own.encrypt(na("fe80::c000:232", "fe80::c000:20a", "192.0.2.50")), iface=iface)
    time.sleep(0.3)
print("# client 2 sent 4 Override NAs for client 1 through its own SA (spoofed and own outer source)", file=sys.stderr)

got = sniff_send(c2_own.encrypt(echo6("2001:db8:1000:1::99", "2001:db8:ff01::1", 0x102)), (0x3001, 0x2001))
result(got is None, "client 2 sourcing client 1's home prefix through its own SA gets no answer (through either tunnel)",
       "an answer with SPI 0x%x" % got[ESP].spi if got is not None and got.haslayer(ESP) else "")
got = sniff_send(c2_own.encrypt(echo6("2001:db8:2000:1::99", "2001:db8:ff01::1", 0x103)), 0x3001)
result(got is not None and is_reply(decrypt_tunnel(c2_in, got), 0x103),
       "client 2 from its own home prefix is answered")
got = sniff_send(c1_out.encrypt(echo6("2001:db8:1000:1::10", "2001:db8:ff00::1", 0x104)), 0x2001)
result(got is not None and got[IP].dst == "192.0.2.10" and is_reply(decrypt_tunnel(c1_in, got), 0x104),
       "client 1 still answered at 192.0.2.10 after client 2's attempts")

# --- the fallback: transport ESP on protocol 41 over a plain tunnel
f_out, f_in, c2_tr = tr_sa(0x4002), tr_sa(0x4001), tr_sa(0x5002)


def six_in_four(src4, inner):
    return IP(src=src4, dst=SRV_F, proto=41) / inner


def decrypt_transport(sa, got):
    return IP(bytes(sa.decrypt(IP(bytes(got[IP])))))


got = sniff_send(f_out.encrypt(six_in_four("192.0.2.20", echo6("2001:db8:3000::10", "2001:db8:ff02::1", 0x201))), 0x4001)
result(got is not None and got[IP].dst == "192.0.2.20" and is_reply(decrypt_transport(f_in, got), 0x201),
       "fallback client: the server answers through transport ESP over the tunnel")
for src4 in ("192.0.2.51", "192.0.2.20"):   # client 2's own address (its SA's), then the fallback client's
    for tgt in ("2001:db8:ff02::2", "fe80::c000:214"):
        send(c2_tr.encrypt(six_in_four(src4, na("fe80::c000:233", tgt, "192.0.2.66"))), iface=iface)
        time.sleep(0.2)
print("# client 2 sent 4 Override NAs for the fallback client through its own transport SA", file=sys.stderr)
got = sniff_send(f_out.encrypt(six_in_four("192.0.2.20", echo6("2001:db8:3000::10", "2001:db8:ff02::1", 0x202))), 0x4001)
result(got is not None and got[IP].dst == "192.0.2.20" and is_reply(decrypt_transport(f_in, got), 0x202),
       "fallback client still answered at 192.0.2.20 after client 2's attempts")
# the genuine fallback client moves, announcing 192.0.2.21 from there through its own SA
send(f_out.encrypt(six_in_four("192.0.2.21", na("fe80::c000:214", "2001:db8:ff02::2", "192.0.2.21"))), iface=iface)
time.sleep(0.3)
got = sniff_send(f_out.encrypt(six_in_four("192.0.2.21", echo6("2001:db8:3000::10", "2001:db8:ff02::1", 0x203))), 0x4001)
result(got is not None and got[IP].dst == "192.0.2.21" and is_reply(decrypt_transport(f_in, got), 0x203),
       "the fallback client moved itself to 192.0.2.21 by NA; the server answers there")

# --- NAT-T: a delayed authentic packet released from elsewhere does not move the peer
c3_out, c3_in = natt_sa(0x7002, "192.0.2.70", SRV), natt_sa(0x7001, SRV, "192.0.2.70")


def c3_echo(ident):
    return echo6("2001:db8:ff03::2", "2001:db8:ff03::1", ident)


got = sniff_send(natt_packet(c3_out, c3_echo(0x301), 1, "192.0.2.70", 4500), 0x7001)
result(got is not None and got[IP].dst == "192.0.2.70" and got[UDP].dport == 4500,
       "client 3 (ESP in UDP 4500): the server answers at 192.0.2.70:4500")
held = natt_packet(c3_out, c3_echo(0x302), 2, "192.0.2.71", 5555)   # held back, released later from elsewhere
got = sniff_send(natt_packet(c3_out, c3_echo(0x303), 3, "192.0.2.70", 4500), 0x7001)
result(got is not None and got[IP].dst == "192.0.2.70", "client 3's next packet (sequence 3) answered")
got = sniff_send(held, 0x7001)
result(got is not None and got[IP].dst == "192.0.2.70" and got[UDP].dport == 4500,
       "the delayed packet (sequence 2) from 192.0.2.71:5555 is answered at 192.0.2.70:4500, not where it came from",
       "answer to %s" % (got[IP].dst + ":" + str(got[UDP].dport) if got is not None else None))
got = sniff_send(natt_packet(c3_out, c3_echo(0x304), 4, "192.0.2.70", 4500), 0x7001)
result(got is not None and got[IP].dst == "192.0.2.70", "client 3's stream goes on (sequence 4)")
sys.exit(failed)
