#!/usr/bin/env python3
"""Writes the seed corpus for the wire fuzz targets (tests/fuzz/corpus/).
Checksums are computed here independently of src/wire.  Re-run after
changing a seed: python3 tests/fuzz/gen_corpus.py"""
import ipaddress, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))

def ck(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def a6(s): return ipaddress.IPv6Address(s).packed
def a4(s): return ipaddress.IPv4Address(s).packed
def ph6(s, d, l, nxt): return a6(s) + a6(d) + struct.pack('!IxxxB', l, nxt)
def ph4(s, d, l, p): return a4(s) + a4(d) + struct.pack('!xBH', p, l)
def setck(m, off, c): return m[:off] + struct.pack('!H', c) + m[off + 2:]
def ip6(s, d, nxt, pl, hlim=64): return struct.pack('!IHBB', 6 << 28, len(pl), nxt, hlim) + a6(s) + a6(d) + pl
def ip4(s, d, proto, pl, opts=b'', frag=0x4000):
    hl = 20 + len(opts)
    h = struct.pack('!BBHHHBBH', 0x40 | hl // 4, 0, hl + len(pl), 0x1c46, frag, 64, proto, 0) + a4(s) + a4(d) + opts
    return setck(h, 10, ck(h)) + pl
def icmp6(s, d, t, c, rest):
    m = struct.pack('!BBH', t, c, 0) + rest
    return setck(m, 2, ck(ph6(s, d, len(m), 58) + m))
def lla(t, mac): return bytes([t, 1]) + mac

MAC = bytes.fromhex('021122334455')
LL, LL2 = 'fe80::211:22ff:fe33:4455', 'fe80::1'
SEEDS = {}
def seed(target, name, data): SEEDS.setdefault(target, []).append((name, data))

# --- ICMPv6 / ND / MLD messages
echo = icmp6(LL, LL2, 128, 0, struct.pack('!HH', 0x1234, 1) + b'abcdefgh')
ns = icmp6(LL, 'ff02::1:ff00:1', 135, 0, b'\0' * 4 + a6(LL2) + lla(1, MAC))
na = icmp6(LL2, LL, 136, 0, bytes([0xe0, 0, 0, 0]) + a6(LL2) + lla(2, MAC))
rs = icmp6(LL, 'ff02::2', 133, 0, b'\0' * 4 + lla(1, MAC))
pi = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 86400, 14400, 0) + a6('2001:db8:1::')
mtu = struct.pack('!BBHI', 5, 1, 0, 1500)
rdnss = struct.pack('!BBHI', 25, 5, 0, 3600) + a6('2001:db8::53') + a6('2001:db8::35')
rio = struct.pack('!BBBBI', 24, 2, 48, 0x08, 1800) + a6('2001:db8:ff::')[:8]
rio0 = struct.pack('!BBBBI', 24, 1, 0, 0x18, 600)
dnssl = bytes([31, 2, 0, 0, 0, 0, 0x0e, 0x10, 7]) + b'example' + b'\0' * 0  # unknown here
dnssl = dnssl + b'\0' * (16 - len(dnssl))
ra = icmp6(LL2, 'ff02::1', 134, 0, struct.pack('!BBHII', 64, 0xc8, 1800, 30000, 1000)
           + lla(1, MAC) + mtu + pi + rdnss + rio + rio0 + dnssl)
orig = ip6('2001:db8::5', '2001:db8::99', 59, b'')
redir = icmp6(LL2, LL, 137, 0, b'\0' * 4 + a6(LL2) + a6('2001:db8::99') + lla(2, MAC)
              + bytes([4, 1 + len(orig) // 8]) + b'\0' * 6 + orig)
mldq1 = icmp6(LL2, 'ff02::1', 130, 0, struct.pack('!HH', 10000, 0) + a6('::'))
mldq2 = icmp6(LL2, 'ff02::1', 130, 0, struct.pack('!HH', 10000, 0) + a6('ff05::2') + bytes([0x0a, 125]) + struct.pack('!H', 2) + a6('2001:db8::1') + a6('2001:db8::2'))
rec = lambda t, g, srcs, aux=b'': bytes([t, len(aux) // 4]) + struct.pack('!H', len(srcs)) + a6(g) + b''.join(a6(x) for x in srcs) + aux
mldr = icmp6(LL, 'ff02::16', 143, 0, struct.pack('!HH', 0, 3) + rec(4, 'ff02::fb', []) + rec(1, 'ff3e::8000:1', ['2001:db8::1']) + rec(2, 'ff05::1:3', [], b'\0' * 4))

for n, m in [('ns', ns), ('na', na), ('rs', rs), ('ra', ra), ('redirect', redir)]: seed('fuzz_nd6', n, m)
seed('fuzz_nd6', 'opts_only', lla(1, MAC) + mtu + pi)
for n, m in [('query_v1', mldq1), ('query_v2', mldq2), ('report_v2', mldr)]: seed('fuzz_mld', n, m)
seed('fuzz_icmp6', 'echo', a6(LL) + a6(LL2) + echo)
seed('fuzz_icmp6', 'ns', a6(LL) + a6('ff02::1:ff00:1') + ns)
seed('fuzz_icmp6', 'ra', a6(LL2) + a6('ff02::1') + ra)

# --- IPv6 packets and extension headers
echo_pkt = ip6(LL, LL2, 58, echo)
seed('fuzz_ip6', 'echo', echo_pkt)
seed('fuzz_ip6', 'ns', ip6(LL, 'ff02::1:ff00:1', 58, ns, 255))
seed('fuzz_ip6', 'flow', bytes([0x6b, 0x8a, 0xbc, 0xde]) + echo_pkt[4:])
hbh_ra = bytes([58, 0, 5, 2, 0, 0, 1, 0])
dst_padn = bytes([17, 1, 0x3e, 3, 1, 2, 3, 1, 1, 0, 0xc2, 4, 0, 1, 0, 0])
rh0 = bytes([6, 2, 0, 1, 0, 0, 0, 0]) + a6('2001:db8::7')
rh4 = bytes([6, 2, 4, 0, 0, 0, 0, 0]) + a6('2001:db8::8')
frag = struct.pack('!BBHI', 17, 0, 1448 | 1, 0xdeadbeef)
for n, m in [('hbh_ra', hbh_ra), ('dst_padn', dst_padn), ('rh0', rh0), ('rh4', rh4), ('frag', frag)]: seed('fuzz_ip6ext', n, m)
seed('fuzz_eth', 'ip6', bytes.fromhex('333300000001') + MAC + b'\x86\xdd' + echo_pkt)
seed('fuzz_eth', 'arp', b'\xff' * 6 + MAC + b'\x08\x06' + b'\0' * 28)

# --- ARP / IPv4 / ICMPv4
arp_req = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC + a4('192.0.2.1') + b'\0' * 6 + a4('192.0.2.2')
arp_rep = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + bytes.fromhex('02aabbccddee') + a4('192.0.2.2') + MAC + a4('192.0.2.1')
seed('fuzz_arp', 'request', arp_req + b'\0' * 18)
seed('fuzz_arp', 'reply', arp_rep)
echo4 = b'\x08\x00\x00\x00' + struct.pack('!HH', 7, 1) + b'0123456789'
echo4 = setck(echo4, 2, ck(echo4))
seed('fuzz_icmp4', 'echo', echo4)
unreach = bytes([3, 3, 0, 0, 0, 0, 5, 0xdc]) + ip4('10.0.0.1', '10.0.0.2', 17, b'\0' * 8)
seed('fuzz_icmp4', 'unreach', setck(unreach, 2, ck(unreach)))
seed('fuzz_ip4', 'icmp', ip4('192.0.2.1', '198.51.100.7', 1, echo4))
seed('fuzz_ip4', 'opts_ra', ip4('192.0.2.1', '224.0.0.22', 2, b'\x22\x00\xfa\x02\x00\x00\x00\x00', opts=bytes([0x94, 4, 0, 0])))
seed('fuzz_ip4', 'frag', ip4('192.0.2.1', '198.51.100.7', 17, b'x' * 16, frag=0x2000 | 185))
seed('fuzz_ip4', 'pad', ip4('192.0.2.1', '198.51.100.7', 17, b'y' * 8) + b'\0' * 12)

# --- UDP / TCP (flags byte, src, dst, segment)
def l4prefix(v4, s, d, flags=0):
    if v4: return bytes([1 | flags]) + a4(s) + b'\0' * 12 + a4(d) + b'\0' * 12
    return bytes([flags]) + a6(s) + a6(d)
u6 = struct.pack('!HHHH', 5353, 53, 13, 0) + b'hello'
u6 = setck(u6, 6, ck(ph6('2001:db8::1', '2001:db8::2', 13, 17) + u6))
u4 = struct.pack('!HHHH', 68, 67, 12, 0) + b'dhcp'
u4z = u4
u4 = setck(u4, 6, ck(ph4('10.0.0.1', '10.0.0.2', 12, 17) + u4))
seed('fuzz_udp', 'v6', l4prefix(False, '2001:db8::1', '2001:db8::2') + u6)
seed('fuzz_udp', 'v4', l4prefix(True, '10.0.0.1', '10.0.0.2') + u4)
seed('fuzz_udp', 'v4_nocksum', l4prefix(True, '10.0.0.1', '10.0.0.2', 2) + u4z)
seed('fuzz_udp', 'v6_trailer', l4prefix(False, '2001:db8::1', '2001:db8::2') + u6 + b'\0' * 3)
def tcp(s, d, v4, sp, dp, seq, ack, flags, opts, payload=b''):
    hl = 20 + len(opts)
    t = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, hl // 4 << 4, flags, 64240, 0, 0) + opts + payload
    p = ph4(s, d, len(t), 6) if v4 else ph6(s, d, len(t), 6)
    return setck(t, 16, ck(p + t))
syn_opts = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10]) + struct.pack('!II', 0x01020304, 0) + bytes([1, 3, 3, 7])
ack_opts = bytes([1, 1, 8, 10]) + struct.pack('!II', 5, 6) + bytes([1, 1, 5, 18]) + struct.pack('!IIII', 100, 200, 300, 400)
seed('fuzz_tcp', 'syn4', l4prefix(True, '192.168.0.1', '192.168.0.2') + tcp('192.168.0.1', '192.168.0.2', True, 40000, 80, 1, 0, 0x02, syn_opts))
seed('fuzz_tcp', 'ack6', l4prefix(False, '2001:db8::a', '2001:db8::b') + tcp('2001:db8::a', '2001:db8::b', False, 443, 51000, 1000, 2000, 0x18, ack_opts, b'GET / HTTP/1.0\r\n\r\n'))
seed('fuzz_tcp', 'rst6', l4prefix(False, '2001:db8::a', '2001:db8::b') + tcp('2001:db8::a', '2001:db8::b', False, 443, 51000, 5, 0, 0x04, b''))

for target, items in SEEDS.items():
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    for name, data in items:
        with open(os.path.join(d, name), 'wb') as f: f.write(data)
print('wrote', sum(len(v) for v in SEEDS.values()), 'seeds for', len(SEEDS), 'targets')
