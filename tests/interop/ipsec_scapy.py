"""scapy's own ESP and AH (scapy.layers.ipsec.SecurityAssociation) against sixd.

Run inside the test's namespace: argv = iface six6 lin6 six4 lin4 (and the
keys below, which the shell test also writes into sixd's setkey file).  For
each case scapy encrypts a request, sends it, sniffs sixd's ESP answer on
the interface, decrypts and verifies it with its own implementation, and
prints a TAP line."""
import sys
import time
from scapy.all import AsyncSniffer, IP, IPv6, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, UDP, Raw, send, conf
from scapy.layers.ipsec import SecurityAssociation, ESP, AH

conf.verb = 0
iface, six6, lin6, six4, lin4 = sys.argv[1:6]
failed = 0

GCM_IN = bytes.fromhex("0102030405060708090a0b0c0d0e0f10" "a1a2a3a4")
GCM_OUT = bytes.fromhex("1112131415161718191a1b1c1d1e1f20" "b1b2b3b4")
CHACHA_IN = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" "c1c2c3c4")
CHACHA_OUT = bytes.fromhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" "d1d2d3d4")
CBC_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
SHA256_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
SHA1_KEY = bytes.fromhex("0102030405060708090a0b0c0d0e0f1011121314")
TUN_IN = bytes.fromhex("2122232425262728292a2b2c2d2e2f30" "e1e2e3e4")
TUN_OUT = bytes.fromhex("3132333435363738393a3b3c3d3e3f40" "f1f2f3f4")
AH256_OUT = bytes.fromhex("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f")
AH1_OUT = bytes.fromhex("4142434445464748494a4b4c4d4e4f5051525354")
AHTUN_IN = bytes.fromhex("606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f")
AHTUN_OUT = bytes.fromhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")


def result(ok, name, why=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name, flush=True)
    if not ok:
        failed += 1
        if why:
            print("# " + why, file=sys.stderr, flush=True)


def exchange(pkt, spi_back, family, proto=ESP):
    """Send pkt; return the first ESP (or AH) packet from sixd with spi_back (whole, from the IP header)."""
    lfilter = (lambda p: p.haslayer(proto) and p[proto].spi == spi_back)
    sn = AsyncSniffer(iface=iface, lfilter=lfilter, count=1, timeout=4)
    sn.start()
    time.sleep(0.3)
    send(pkt, iface=iface)
    sn.join()
    got = sn.results
    if not got:
        return None
    p = got[0]
    return p[IPv6] if family == 6 and p.haslayer(IPv6) else p[IP]


def fix_nat_t(req):
    """scapy 2.5 leaves the UDP length of nat_t_header at 8: rebuild the datagram around the ESP bytes."""
    raw = bytes(req)
    hl = (raw[0] & 0x0f) * 4
    return IP(src=req[IP].src, dst=req[IP].dst) / UDP(sport=4500, dport=4500, chksum=0) / Raw(raw[hl + 8:])


def case(name, sa_out, sa_in, spi_back, inner, check, family):
    try:
        req = sa_out.encrypt(inner)
        if sa_out.nat_t_header is not None:
            req = fix_nat_t(req)
        raw = exchange(req, spi_back, family, sa_out.proto)
        if raw is None:
            result(False, name, "no %s answer with SPI 0x%x" % (sa_out.proto.name, spi_back))
            return
        keep = bytes(raw)
        dec = sa_in.decrypt(raw.__class__(keep))   # decrypt() changes its argument
        if sa_in.proto is AH:   # scapy leaves what AH carried as Raw: dissect it again
            dec = dec.__class__(bytes(dec))
        result(check(dec), name, "decrypted: %r" % dec)
    except Exception as e:   # a failed ICV raises in scapy
        result(False, name, "%s: %s" % (type(e).__name__, e))


def echo6_ok(ident, seq, data):
    return lambda d: d.haslayer(ICMPv6EchoReply) and d[ICMPv6EchoReply].id == ident and \
        d[ICMPv6EchoReply].seq == seq and bytes(d[ICMPv6EchoReply].data) == data


def echo4_ok(ident, seq, data):
    return lambda d: d.haslayer(ICMP) and d[ICMP].type == 0 and d[ICMP].id == ident and \
        d[ICMP].seq == seq and bytes(d[ICMP].payload) == data


# 1. AES-GCM-16 (128-bit key), transport, IPv6, ICMPv6 echo
out = SecurityAssociation(ESP, spi=0x1001, crypt_algo="AES-GCM", crypt_key=GCM_IN)
inn = SecurityAssociation(ESP, spi=0x1002, crypt_algo="AES-GCM", crypt_key=GCM_OUT)
case("scapy AES-GCM ESP transport (IPv6 echo): sixd answers, scapy decrypts and verifies", out, inn, 0x1002,
     IPv6(src=lin6, dst=six6) / ICMPv6EchoRequest(id=0x77, seq=1, data=b"gcm over esp"),
     echo6_ok(0x77, 1, b"gcm over esp"), 6)

# 2. ChaCha20-Poly1305, transport, IPv4, ICMP echo
out = SecurityAssociation(ESP, spi=0x2001, crypt_algo="CHACHA20-POLY1305", crypt_key=CHACHA_IN)
inn = SecurityAssociation(ESP, spi=0x2002, crypt_algo="CHACHA20-POLY1305", crypt_key=CHACHA_OUT)
case("scapy ChaCha20-Poly1305 ESP transport (IPv4 echo)", out, inn, 0x2002,
     IP(src=lin4, dst=six4) / ICMP(type=8, id=0x78, seq=2) / Raw(b"chacha over esp"),
     echo4_ok(0x78, 2, b"chacha over esp"), 4)

# 3. AES-CBC + HMAC-SHA-256-128, transport, IPv6 to sixd's second address, UDP echo (port 7)
six6b = six6[:-1] + "3"
out = SecurityAssociation(ESP, spi=0x3001, crypt_algo="AES-CBC", crypt_key=CBC_KEY,
                          auth_algo="SHA2-256-128", auth_key=SHA256_KEY)
inn = SecurityAssociation(ESP, spi=0x3002, crypt_algo="AES-CBC", crypt_key=CBC_KEY,
                          auth_algo="SHA2-256-128", auth_key=SHA256_KEY)
case("scapy AES-CBC + HMAC-SHA-256-128 ESP transport (IPv6 UDP echo)", out, inn, 0x3002,
     IPv6(src=lin6, dst=six6b) / UDP(sport=40007, dport=7) / Raw(b"cbc+sha256 over esp"),
     lambda d: d.haslayer(UDP) and d[UDP].dport == 40007 and bytes(d[UDP].payload) == b"cbc+sha256 over esp", 6)

# 4. NULL encryption + HMAC-SHA1-96, transport, IPv6 to the third address
six6c = six6[:-1] + "4"
out = SecurityAssociation(ESP, spi=0x4001, crypt_algo="NULL", auth_algo="HMAC-SHA1-96", auth_key=SHA1_KEY)
inn = SecurityAssociation(ESP, spi=0x4002, crypt_algo="NULL", auth_algo="HMAC-SHA1-96", auth_key=SHA1_KEY)
case("scapy NULL + HMAC-SHA1-96 ESP transport (IPv6 echo)", out, inn, 0x4002,
     IPv6(src=lin6, dst=six6c) / ICMPv6EchoRequest(id=0x79, seq=3, data=b"null+sha1"),
     echo6_ok(0x79, 3, b"null+sha1"), 6)

# 5. IPv6 in IPv4, tunnel mode, AES-GCM: outer lin4 -> six4, inner 2001:db8:6::1 -> 2001:db8:5::2
tun_out = out = SecurityAssociation(ESP, spi=0x5001, crypt_algo="AES-GCM", crypt_key=TUN_IN,
                                    tunnel_header=IP(src=lin4, dst=six4))
inn = SecurityAssociation(ESP, spi=0x5002, crypt_algo="AES-GCM", crypt_key=TUN_OUT,
                          tunnel_header=IP(src=six4, dst=lin4))
case("scapy AES-GCM ESP tunnel, IPv6 in IPv4: sixd answers through the tunnel", out, inn, 0x5002,
     IPv6(src="2001:db8:6::1", dst="2001:db8:5::2") / ICMPv6EchoRequest(id=0x7a, seq=4, data=b"6in4 tunnel"),
     lambda d: d.haslayer(IPv6) and d[IPv6].src == "2001:db8:5::2" and d[IPv6].dst == "2001:db8:6::1" and
     echo6_ok(0x7a, 4, b"6in4 tunnel")(d), 4)

# 5b. ESP in UDP 4500 (RFC 3948), transport, IPv4 to sixd's second IPv4 address
six4b = six4[:-1] + "3"
NATT_IN = bytes.fromhex("4142434445464748494a4b4c4d4e4f50" "a5a6a7a8")
NATT_OUT = bytes.fromhex("5152535455565758595a5b5c5d5e5f60" "b5b6b7b8")
out = SecurityAssociation(ESP, spi=0x6001, crypt_algo="AES-GCM", crypt_key=NATT_IN,
                          nat_t_header=UDP(sport=4500, dport=4500))
inn = SecurityAssociation(ESP, spi=0x6002, crypt_algo="AES-GCM", crypt_key=NATT_OUT,
                          nat_t_header=UDP(sport=4500, dport=4500))
case("scapy AES-GCM ESP in UDP 4500 (NAT-T, IPv4 echo)", out, inn, 0x6002,
     IP(src=lin4, dst=six4b) / ICMP(type=8, id=0x7d, seq=7) / Raw(b"esp in udp"),
     echo4_ok(0x7d, 7, b"esp in udp"), 4)

# 6. a spoofed inner source through the same tunnel: sixd must not answer
try:
    req = tun_out.encrypt(IPv6(src="2001:db8:7::1", dst="2001:db8:5::2") / ICMPv6EchoRequest(id=0x7b, seq=5))
    raw = exchange(req, 0x5002, 4)
    result(raw is None, "an inner source outside the tunnel's selectors gets no answer")
except Exception as e:
    result(False, "an inner source outside the tunnel's selectors gets no answer", str(e))

# 7. a tampered packet (one ciphertext byte flipped) is refused
sa7 = SecurityAssociation(ESP, spi=0x1001, crypt_algo="AES-GCM", crypt_key=GCM_IN)
req = bytearray(bytes(sa7.encrypt(IPv6(src=lin6, dst=six6) / ICMPv6EchoRequest(id=0x7c, seq=6, data=b"tampered"),
                                  seq_num=100)))
req[-20] ^= 0x01
raw = exchange(IPv6(bytes(req)), 0x1002, 6)
result(raw is None, "a tampered ESP packet gets no answer")

# 8. AH, HMAC-SHA-256-128, transport, IPv6 echo to sixd's 2001:db8:1::5
six6ah = six6[:-1] + "5"
six4ah = six4.rsplit(".", 1)[0] + ".5"
six4tun = six4.rsplit(".", 1)[0] + ".6"
out = SecurityAssociation(AH, spi=0x6001, auth_algo="SHA2-256-128", auth_key=SHA256_KEY)
inn = SecurityAssociation(AH, spi=0x6002, auth_algo="SHA2-256-128", auth_key=AH256_OUT)
case("scapy AH HMAC-SHA-256-128 transport (IPv6 echo): sixd answers in AH, scapy verifies the ICV", out, inn, 0x6002,
     IPv6(src=lin6, dst=six6ah) / ICMPv6EchoRequest(id=0x81, seq=8, data=b"ah over ipv6"),
     echo6_ok(0x81, 8, b"ah over ipv6"), 6)

# 9. AH, HMAC-SHA1-96, transport, IPv4 echo to 192.0.2.5 (TOS and DF set: mutable, outside the ICV)
out = SecurityAssociation(AH, spi=0x7001, auth_algo="HMAC-SHA1-96", auth_key=SHA1_KEY)
inn = SecurityAssociation(AH, spi=0x7002, auth_algo="HMAC-SHA1-96", auth_key=AH1_OUT)
case("scapy AH HMAC-SHA1-96 transport (IPv4 echo)", out, inn, 0x7002,
     IP(src=lin4, dst=six4ah, tos=0x10, flags="DF") / ICMP(type=8, id=0x82, seq=9) / Raw(b"ah over ipv4"),
     echo4_ok(0x82, 9, b"ah over ipv4"), 4)

# 10. AH tunnel, IPv6 in IPv4: the ICV covers the outer IPv4 header (identification included)
out = SecurityAssociation(AH, spi=0x8001, auth_algo="SHA2-256-128", auth_key=AHTUN_IN,
                          tunnel_header=IP(src=lin4, dst=six4tun))
inn = SecurityAssociation(AH, spi=0x8002, auth_algo="SHA2-256-128", auth_key=AHTUN_OUT,
                          tunnel_header=IP(src=six4tun, dst=lin4))
case("scapy AH HMAC-SHA-256-128 tunnel, IPv6 in IPv4: sixd answers through the tunnel", out, inn, 0x8002,
     IPv6(src="2001:db8:8::1", dst="2001:db8:5::5") / ICMPv6EchoRequest(id=0x83, seq=10, data=b"ah tunnel"),
     lambda d: d.haslayer(IPv6) and d[IPv6].src == "2001:db8:5::5" and d[IPv6].dst == "2001:db8:8::1" and
     echo6_ok(0x83, 10, b"ah tunnel")(d), 4)

# 11. a tampered AH packet (one payload byte flipped) is refused
sa11 = SecurityAssociation(AH, spi=0x6001, auth_algo="SHA2-256-128", auth_key=SHA256_KEY)
req = bytearray(bytes(sa11.encrypt(IPv6(src=lin6, dst=six6ah) / ICMPv6EchoRequest(id=0x84, seq=11, data=b"tampered"),
                                   seq_num=100)))
req[-1] ^= 0x01
raw = exchange(IPv6(bytes(req)), 0x6002, 6, AH)
result(raw is None, "a tampered AH packet gets no answer")

sys.exit(1 if failed else 0)
