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

# --- IPsec: ESP, ESP in UDP (RFC 3948), AH (flags byte: bit0 IPv6 for ah_parse, bit1 outbound)
esp = struct.pack('!II', 0x1000, 1) + bytes(range(16)) + bytes([1, 2, 2, 4])
seed('fuzz_esp', 'esp', esp)
seed('fuzz_esp', 'keepalive', b'\xff')
seed('fuzz_esp', 'ike', b'\0' * 4 + bytes(range(1, 17)) + bytes([33, 0x20, 34, 8]) + struct.pack('!II', 0, 28))
seed('fuzz_esp', 'esp_min', struct.pack('!II', 256, 0xffffffff) + b'\0\0\x02\x04')
def ah(nxt, spi, seq, icv): return struct.pack('!BBHII', nxt, (12 + len(icv)) // 4 - 2, 0, spi, seq) + icv
ah_sha1 = ah(6, 0x1000, 42, b'ICV-ICV-ICV!')
ah4_opts = bytes([1, 7, 7, 4, 10, 0, 0, 1, 0x94, 4, 0, 0, 0x83, 11, 4, 203, 0, 113, 1, 203, 0, 113, 9, 0])
ah4 = ip4('192.0.2.1', '198.51.100.7', 51, ah_sha1 + b'payload!', opts=ah4_opts)
seed('fuzz_ah', 'v4_opts', bytes([2]) + ah4)
seed('fuzz_ah', 'v4_plain', bytes([0]) + ip4('192.0.2.1', '198.51.100.7', 51, ah(17, 0x2000, 1, b'\0' * 16) + u4))
hbh = bytes([60, 1, 0x3e, 4, 1, 2, 3, 4, 0x1e, 3, 5, 6, 7, 1, 1, 0])
dsto = bytes([43, 0, 0x22, 4, 9, 10, 11, 12])
rt = bytes([51, 2, 4, 0, 0, 0, 0, 0]) + a6('2001:db8::2')
ah6 = ip6('2001:db8::1', '2001:db8::2', 0, hbh + dsto + rt + ah(59, 0x1000, 42, b'ICV-ICV-ICV!') + b'payload!')
seed('fuzz_ah', 'v6_exts', bytes([1]) + bytes([0x6b, 0x81, 0x23, 0x45]) + ah6[4:])
seed('fuzz_ah', 'v6_direct', bytes([1]) + ip6('2001:db8::1', '2001:db8::2', 51, ah(58, 0x3000, 9, b'\0' * 20)))

# --- PF_KEY v2 (host byte order, Linux sockaddr layout; SPI and NAT-T ports big-endian)
import socket
def pk_ext(t, body):
    n = 4 + len(body)
    return struct.pack('=HH', (n + 7) // 8, t) + body + b'\0' * (-n % 8)
def pk_msg(typ, satype, exts, seq=1, pid=100):
    body = b''.join(exts)
    return struct.pack('=BBBBHHII', 2, typ, 0, satype, (16 + len(body)) // 8, 0, seq, pid) + body
def pk_sin(a, port=0): return struct.pack('=H', socket.AF_INET) + struct.pack('!H', port) + a4(a) + b'\0' * 8
def pk_sin6(a, port=0): return struct.pack('=H', socket.AF_INET6) + struct.pack('!HI', port, 0) + a6(a) + struct.pack('=I', 0)
def pk_addr(t, sa, plen, proto=255): return pk_ext(t, struct.pack('=BBH', proto, plen, 0) + sa)
def pk_sa(spi, enc, auth=0, flags=0): return pk_ext(1, struct.pack('!I', spi) + struct.pack('=BBBBI', 32, 1, auth, enc, flags))
def pk_lft(t, alloc, nbytes, add, use): return pk_ext(t, struct.pack('=IQQQ', alloc, nbytes, add, use))
def pk_key(t, key): return pk_ext(t, struct.pack('=HH', len(key) * 8, 0) + key)
def pk_ident(t, typ, s): return pk_ext(t, struct.pack('=HHQ', typ, 0, 0) + s + b'\0')
def pk_sa2(mode, reqid): return pk_ext(19, struct.pack('=BBHII', mode, 0, 0, 0, reqid))
def pk_req(proto, mode, level, reqid, src=b'', dst=b''):
    return struct.pack('=HHBBH', 8 + len(src) + len(dst), proto, mode, level, reqid) + src + dst
def pk_policy(typ, dirn, reqs=b'', pid=0, prio=0): return pk_ext(18, struct.pack('=HBBII', typ, dirn, 0, pid, prio) + reqs)
def pk_alg(i, iv, lo, hi): return struct.pack('=BBHHH', i, iv, lo, hi, 0)
def pk_comb(auth, enc, amin, amax, emin, emax):
    return struct.pack('=BBHHHHHIIIQQQQQQ', auth, enc, 0, amin, amax, emin, emax, 0, 0, 0, 0, 0, 2880, 3600, 0, 0)
S4, D4 = pk_sin('192.0.2.1'), pk_sin('198.51.100.1')
sd4 = [pk_addr(5, S4, 32), pk_addr(6, D4, 32)]
seed('fuzz_pfkey', 'getspi', pk_msg(1, 3, sd4 + [pk_ext(16, struct.pack('=III', 256, 0x0fffffff, 0)), pk_sa2(2, 7)]))
seed('fuzz_pfkey', 'add', pk_msg(3, 3, [pk_sa(0x12345, 20, 0, 0x400), pk_sa2(2, 16385),
     pk_lft(3, 0, 1 << 30, 3600, 0), pk_lft(4, 0, 1 << 29, 3000, 0)] + sd4 +
     [pk_key(9, b'0123456789abcdefSALT'), pk_ident(10, 2, b'left.example'),
      pk_ext(20, struct.pack('=B3x', 2)), pk_ext(21, struct.pack('!H', 4500) + b'\0\0'),
      pk_ext(22, struct.pack('!H', 61234) + b'\0\0'), pk_addr(23, pk_sin('10.0.0.5'), 32),
      pk_addr(24, pk_sin('203.0.113.5'), 32), pk_ext(25, struct.pack('=HH', 1400, 0)),
      pk_ext(26, struct.pack('=I', 4096)), pk_addr(27, pk_sin6('2001:db8::99'), 128)]))
seed('fuzz_pfkey', 'delete', pk_msg(4, 2, [pk_sa(0x2000, 0)] + sd4))
seed('fuzz_pfkey', 'flush', pk_msg(9, 0, []))
seed('fuzz_pfkey', 'register_reply', pk_msg(7, 3, [
     pk_ext(14, struct.pack('=I', 0) + pk_alg(5, 0, 256, 256) + pk_alg(3, 0, 160, 160)),
     pk_ext(15, struct.pack('=I', 0) + pk_alg(12, 16, 128, 256) + pk_alg(20, 8, 160, 288) + pk_alg(11, 0, 0, 2048))]))
tun = (pk_req(50, 2, 2, 0, pk_sin('192.0.2.1'), pk_sin('198.51.100.1')) +
       pk_req(51, 2, 3, 9, pk_sin('192.0.2.2'), pk_sin('198.51.100.2')))
sd6 = [pk_addr(5, pk_sin6('2001:db8:1::'), 48), pk_addr(6, pk_sin6('2001:db8:2::', 443), 48, 6)]
seed('fuzz_pfkey', 'spdadd_tunnel', pk_msg(14, 0, sd6 + [pk_lft(3, 0, 0, 3600, 0), pk_policy(2, 2, tun, 0, 0x80000000)]))
seed('fuzz_pfkey', 'spdadd_transport', pk_msg(14, 0, sd6 + [pk_policy(2, 1, pk_req(50, 1, 1, 0) + pk_req(108, 1, 0, 0))]))
seed('fuzz_pfkey', 'spddelete2', pk_msg(22, 0, [pk_policy(0, 0, b'', 31)]))
seed('fuzz_pfkey', 'acquire', pk_msg(6, 3, sd4 + [pk_ident(11, 3, b'me@right.example'),
     pk_ext(13, struct.pack('=B3x', 32) + pk_comb(0, 20, 0, 0, 128, 256) + pk_comb(5, 12, 256, 256, 128, 256)),
     pk_policy(2, 2, tun, 12)]))
seed('fuzz_pfkey', 'kmprivate', pk_msg(11, 0, [pk_ext(17, struct.pack('=I', 0) + b'opaque!!')]))

# --- IPsec input past the ICV (fuzz_ipsec_input: SA byte, next header, payload sealed by the harness)
echo_in = icmp6('2001:db8:9::1', '2001:db8:2::1', 128, 0, struct.pack('!HH', 7, 1) + b'inner echo')
seed('fuzz_ipsec_input', 'v6_tunnel_echo', bytes([1, 41]) + ip6('2001:db8:9::1', '2001:db8:2::1', 58, echo_in))
seed('fuzz_ipsec_input', 'v4_tunnel_v6_fwd', bytes([3 | 16, 41]) + ip6('2001:db8:9::1', '2001:db8:1::5', 58,
     icmp6('2001:db8:9::1', '2001:db8:1::5', 128, 0, struct.pack('!HH', 7, 2))))
seed('fuzz_ipsec_input', 'v4_tunnel_v4', bytes([3, 4]) + ip4('192.0.2.9', '198.51.100.1', 17,
     struct.pack('!HHHH', 5000, 7, 12, 0) + b'udp!'))
seed('fuzz_ipsec_input', 'natt_tunnel', bytes([4, 41]) + ip6('2001:db8:9::1', '2001:db8:2::1', 58, echo_in))
seed('fuzz_ipsec_input', 'v4_transport_udp', bytes([2, 17]) + struct.pack('!HHHH', 5000, 7, 12, 0) + b'udp!')
seed('fuzz_ipsec_input', 'v6_transport_tcp', bytes([0, 6]) + struct.pack('!HHIIBBHHH', 5000, 80, 1, 0, 0x50, 2, 1000, 0, 0))
seed('fuzz_ipsec_input', 'raw_esp', bytes([8, 0]) + struct.pack('!II', 0x1000, 99) + bytes(32))
# --- PF_KEY server: flags(1) (bit0: one batch), then messages back to back
sd6h = [pk_addr(5, pk_sin6('2001:db8:1::'), 48), pk_addr(6, pk_sin6('2001:db8:2::'), 48)]
srv_add = pk_msg(3, 3, [pk_sa(0x1001, 20), pk_sa2(1, 0)] + sd4 + [pk_key(9, b'0123456789abcdefSALT')], seq=1)
srv_get = pk_msg(5, 3, [pk_sa(0x1001, 0)] + sd4, seq=2)
srv_dump = pk_msg(10, 0, [], seq=3)
srv_spdadd = pk_msg(14, 0, sd6h + [pk_policy(2, 2, pk_req(50, 2, 2, 0, pk_sin('192.0.2.1'), pk_sin('198.51.100.1')),
                                             0, 0x80000000)], seq=4)
srv_spddump = pk_msg(18, 0, [], seq=5)
srv_getspi = pk_msg(1, 3, sd4 + [pk_ext(16, struct.pack('=III', 0x2000, 0x20ff, 0)), pk_sa2(2, 7)], seq=6)
srv_register = pk_msg(7, 3, [], seq=7)
srv_delete = pk_msg(4, 3, [pk_sa(0x1001, 0)] + sd4, seq=8)
seed('fuzz_pfkey_srv', 'one_by_one', b'\0' + srv_add + srv_get + srv_dump + srv_spdadd + srv_spddump +
     srv_getspi + srv_register + srv_delete)
seed('fuzz_pfkey_srv', 'batch', b'\1' + srv_add + srv_spdadd + srv_getspi + srv_register + srv_dump)
seed('fuzz_pfkey_srv', 'batch_undone', b'\1' + srv_spdadd + srv_add + srv_add)

# --- ICMP error quotes (fuzz_quoted: 2 bytes of edit values, then the quote)
inner6 = ip6('2001:db8:a::2', '2001:db8:ff::2', 58, echo)
seed('fuzz_quoted', 'outer4_41', b'\x03\x08' + ip4('192.0.2.1', '198.51.100.2', 41, inner6))
seed('fuzz_quoted', 'outer4_short', b'\x00\x08' + ip4('192.0.2.1', '198.51.100.2', 41, inner6)[:28])
seed('fuzz_quoted', 'outer6_frag', b'\x02\x08' + ip6('2001:db8:1::1', '2001:db8:2::2', 44,
     struct.pack('!BBHI', 0, 0, 0 | 1, 7) + hbh_ra[:1].replace(b'\x3a', b'\x29') + hbh_ra[1:] + inner6))

# --- rtnetlink (host byte order, little endian here): an address dump, events, an error
def nl(t, pl, seq=0, flags=0):
    m = struct.pack('<IHHII', 16 + len(pl), t, flags, seq, 0) + pl
    return m + b'\0' * (-len(m) % 4)
def rta(t, v):
    a = struct.pack('<HH', 4 + len(v), t) + v
    return a + b'\0' * (-len(a) % 4)
def ifam(fam, plen, scope, idx, attrs): return struct.pack('<BBBBI', fam, plen, 0x80, scope, idx) + b''.join(attrs)
nl_a = nl(20, ifam(2, 24, 0, 2, [rta(1, a4('192.0.2.2')), rta(2, a4('192.0.2.2')), rta(4, a4('192.0.2.255')),
                                 rta(3, b'c0\0'), rta(8, struct.pack('<I', 0x80))]), seq=1, flags=2)
nl_b = nl(20, ifam(10, 64, 0, 2, [rta(1, a6('2001:db8::1')), rta(8, struct.pack('<I', 0x280))]), seq=1, flags=2)
seed('fuzz_rtnl', 'dump', nl_a + nl_b + nl(3, struct.pack('<i', 0), seq=1, flags=2))
seed('fuzz_rtnl', 'newaddr', nl(20, ifam(2, 32, 0, 3, [rta(2, a4('10.0.0.2'))])))
seed('fuzz_rtnl', 'deladdr', nl(21, ifam(2, 24, 0, 2, [rta(2, a4('10.0.0.2')), rta(1, a4('10.0.0.2'))])))
seed('fuzz_rtnl', 'error', nl(2, struct.pack('<i', -22) + struct.pack('<IHHII', 24, 22, 0x301, 9, 0), seq=9))

# --- TCP with a sequence of segments (fuzz_tcp_seq: mode, SYN options, 10-byte records)
def tseg(flags, dseq=0, dack=0, win=255, plen6=0, opt=1, arg=0, port=0, peerbase=False, ackmax=False):
    op = (port << 5) | (8 if peerbase else 0) | (16 if ackmax else 0)
    return struct.pack('!BBhhBBBB', op, flags, dseq, dack, win, plen6, opt, arg)
def trec(kind, a=0, b=0): return struct.pack('!BBB7x', kind, a, b)
T_FIN, T_SYN, T_RST, T_PSH, T_ACK = 1, 2, 4, 8, 16
t_ms = lambda ms: trec(4, ms >> 8, ms & 255)
t_s = lambda s: trec(4, 0x80, s)
t_write = lambda n: trec(5, n >> 8, n & 255)
t_read = lambda n: trec(6, n >> 8, n & 255)
t_ctl = lambda w: trec(7, w)
bulk = (tseg(T_ACK | T_PSH, plen6=200) + tseg(T_ACK | T_PSH, plen6=200) + t_read(4000) + t_write(3000)
        + t_ms(50) + tseg(T_ACK, ackmax=True) + t_write(20000) + tseg(T_ACK, dack=1400) + t_ms(300)
        + tseg(T_ACK, ackmax=True) + tseg(T_ACK | T_FIN) + t_read(100) + t_ctl(1) + t_ms(100)
        + tseg(T_ACK, ackmax=True) + t_s(61))
seed('fuzz_tcp_seq', 'passive6_bulk', bytes([0x04, 0x7f]) + bulk)
seed('fuzz_tcp_seq', 'passive4_bulk', bytes([0x05, 0x7f]) + bulk)
seed('fuzz_tcp_seq', 'active6_bulk', bytes([0x06, 0x7f]) + bulk)
seed('fuzz_tcp_seq', 'active4_plain', bytes([0x07, 0x00]) + bulk.replace(b'\x01\x00', b'\x00\x00'))
# out of order, a hole filled, SACK blocks, a small receive buffer filled up
ooo = (tseg(T_ACK, dseq=1200, plen6=200) + tseg(T_ACK, dseq=3600, plen6=200) + tseg(T_ACK, plen6=200)
       + t_read(600) + tseg(T_ACK, dseq=0, plen6=250) + t_read(9000) + t_write(9000)
       + tseg(T_ACK, opt=0x19, arg=20) + tseg(T_ACK, opt=0x19, arg=20) + tseg(T_ACK, opt=0x19, arg=20)
       + t_ms(20) + tseg(T_ACK, ackmax=True))
seed('fuzz_tcp_seq', 'passive6_ooo_sack', bytes([0x14, 0x7f]) + ooo)
# zero window: the peer stops reading, then opens again; persist probes
zw = (t_write(30000) + tseg(T_ACK, dack=1000, win=0) + t_s(2) + tseg(T_ACK, ackmax=True, win=0)
      + tseg(T_ACK, ackmax=True, win=0) + tseg(T_ACK, ackmax=True, win=0) + t_s(10)
      + tseg(T_ACK, ackmax=True, win=255) + t_ms(10) + tseg(T_ACK, ackmax=True) + t_s(30))
seed('fuzz_tcp_seq', 'passive6_zero_window', bytes([0x0c, 0x7f]) + zw)
seed('fuzz_tcp_seq', 'active4_zero_window', bytes([0x0f, 0x0f]) + zw)
# the fuzzer does the handshake itself (listener), a RST, a SYN in the window, a second port
hs = (tseg(T_SYN, opt=0x19, arg=100, peerbase=True) + tseg(T_ACK, dseq=0, peerbase=True, ackmax=True)
      + tseg(T_ACK | T_PSH, plen6=50) + t_ctl(4) + t_read(500) + tseg(T_SYN, opt=0x11, port=1, peerbase=True)
      + tseg(T_ACK, port=1, peerbase=True, ackmax=True) + tseg(T_SYN) + tseg(T_RST) + t_ms(1000) + t_ctl(0) + t_s(5))
seed('fuzz_tcp_seq', 'listen6_fuzzer_handshake', bytes([0x00, 0x00]) + hs)
seed('fuzz_tcp_seq', 'listen4_fuzzer_handshake', bytes([0x21, 0x00]) + hs)
# timeouts: retransmissions to the end, keepalive, TIME_WAIT
to = t_write(5000) + t_s(200) + t_ctl(2) + t_s(10)
seed('fuzz_tcp_seq', 'active6_rexmt_timeout', bytes([0x26, 0x0f]) + to)
seed('fuzz_tcp_seq', 'passive6_close_timewait', bytes([0x04, 0x0f]) + t_ctl(1) + t_ms(5)
     + tseg(T_ACK, ackmax=True) + tseg(T_ACK | T_FIN) + t_s(30) + tseg(T_ACK | T_FIN, dseq=-1) + t_s(40))

# --- SAD/SPD under PF_KEY sequences and packets (fuzz_sadspd: 8-byte records)
def ksa(op, fl, spi, seed, reqid=0, life=0, replay=32, t=0): return bytes([op, fl, spi, seed, reqid, life, replay, t])
def ksp(op, fl, sp=0, dp=0, ul=0, port=0, prio=0, req=0): return bytes([op, fl, sp, dp, ul, port, prio, req])
def kpin(fl, spi, seed, skip=0): return bytes([7, fl, spi, seed, skip, 0, 0, 0])
kpout = lambda fl: bytes([7, 0x80 | fl, 0, 0, 0, 0, 0, 0])
kflush = lambda fl: bytes([6, fl, 0, 0, 0, 0, 0, 0])
ADD, UPD, DEL, GETSPI, SPDADD, SPDDEL = 0, 1, 2, 3, 4, 5
seed('fuzz_sadspd', 'v6_add_packet_delete', ksa(ADD, 0x08, 1, 5) + kpin(0, 1, 5) + kpin(0, 1, 6) + ksa(DEL, 0x08, 1, 5)
     + kpin(0, 1, 5) + ksa(ADD, 0x08, 1, 7) + kpin(0, 1, 5) + kpin(0, 1, 7))
seed('fuzz_sadspd', 'v4_gcm_add_packet_delete', ksa(ADD, 0x29, 2, 9) + kpin(0x21, 2, 9) + kpin(0x21, 2, 9, 200)
     + ksa(DEL, 0x29, 2, 9) + kpin(0x21, 2, 9))
seed('fuzz_sadspd', 'getspi_update', ksa(GETSPI, 0x08, 0, 0) + ksa(GETSPI, 0x08, 0, 0) + ksa(UPD, 0x08, 0, 3)
     + ksa(ADD, 0x08, 0, 3) + kpin(0, 0, 3) + ksa(UPD, 0x08, 0, 3, life=9) + kpin(0, 0, 3) + kflush(0))
seed('fuzz_sadspd', 'spd_out_protect', ksp(SPDADD, 0x02 | 0x10, ul=1, req=0x08) + kpout(0) + ksa(ADD, 0x0a, 4, 1)
     + kpout(0) + ksp(SPDADD, 0x03 | 0x10, ul=1, req=0x08) + ksa(ADD, 0x0b, 4, 1) + kpout(1) + ksp(SPDDEL, 0x02 | 0x10, ul=1)
     + kpout(0) + kflush(1) + kflush(0))
seed('fuzz_sadspd', 'spd_in_require', ksp(SPDADD, 0x00 | 0x10, ul=1, req=0x08) + kpin(0, 5, 2) + ksa(ADD, 0x08, 5, 2)
     + kpin(0, 5, 2) + ksp(SPDADD, 0x00 | 0x00, sp=1, dp=1, prio=1) + kpin(0, 5, 2) + ksp(SPDDEL, 0x00, sp=1, dp=1))
seed('fuzz_sadspd', 'lifetime_expiry', ksa(ADD, 0x08, 6, 4, life=2, t=15) + kpin(0, 6, 4) + bytes([6, 2, 0, 0, 0, 0, 0, 0])[:0]
     + ksa(ADD, 0x48, 7, 4, life=3) + ksa(ADD, 0x0c, 7, 4) + ksa(DEL, 0x0c, 7, 4) + ksa(ADD, 0x08, 8, 4, t=40) + kpin(0, 8, 4))
seed('fuzz_sadspd', 'tunnel_out_in', ksp(SPDADD, 0x02 | 0x10, sp=1, dp=1, req=0x0a) + ksa(ADD, 0x12, 9, 8) + kpout(0)
     + ksp(SPDADD, 0x00 | 0x10, sp=1, dp=1, req=0x0a) + ksa(ADD, 0x10, 9, 8) + kpin(0, 9, 8))

# --- gif / hometun input (fuzz_gif: server byte, then [how][len][inner] records)
def na_inner(src, target, tlla4):
    body = a6(target) + bytes([2, 1]) + a4(tlla4) + b'\0\0'
    return ip6(src, 'ff02::1', 58, icmp6(src, 'ff02::1', 136, 0, bytes([0x20, 0, 0, 0]) + body), hlim=255)
def grec(how, inner): return bytes([how, len(inner)]) + inner
def gudp6(s, d, port=7):
    u = struct.pack('!HHHH', 9, port, 16, 0) + b'fuzz_gif'
    return ip6(s, d, 17, setck(u, 6, ck(ph6(s, d, len(u), 17) + u)))
G_SEAL, G_PLAIN, G_TIME, G_RAW, G_REPAIR = 1, 0, 2, 3, 0x80
def ghow(kind, sa=0, src=0, v4in=False, repair=True): return kind | sa << 2 | src << 4 | (0x40 if v4in else 0) | (G_REPAIR if repair else 0)
na_c1 = na_inner('2001:db8:ff00::2', '2001:db8:ff00::2', '192.0.2.66')
na_c1_by_c2 = na_inner('2001:db8:ff01::2', '2001:db8:ff00::2', '203.0.113.50')
seed('fuzz_gif', 'bound_move_c1', b'\0' + grec(ghow(G_SEAL, 0, 2), na_c1) + grec(ghow(G_SEAL, 0, 2),
     gudp6('2001:db8:1000:1::10', '2001:db8:2::1')) + bytes([G_TIME, 20]))
seed('fuzz_gif', 'bound_c2_claims_c1', b'\0' + grec(ghow(G_SEAL, 1, 1), na_c1_by_c2) + grec(ghow(G_PLAIN, 0, 2), na_c1))
seed('fuzz_gif', 'bound_traffic', b'\0' + grec(ghow(G_SEAL, 0, 0), gudp6('2001:db8:1000:1::10', '2001:db8:2::1'))
     + grec(ghow(G_SEAL, 1, 1), gudp6('2001:db8:2000:1::10', '2001:db8:2::1'))
     + grec(ghow(G_SEAL, 0, 0), gudp6('2001:db8:1000:1::10', '2001:db8:2000:1::10')))
seed('fuzz_gif', 'fallback_move_c1', b'\1' + grec(ghow(G_SEAL, 0, 2), na_c1)
     + grec(ghow(G_SEAL, 0, 2), gudp6('2001:db8:1000:1::10', '2001:db8:2::1')) + grec(ghow(G_PLAIN, 0, 1), na_c1))
inner4 = ip4('10.9.0.2', '10.9.0.1', 17, struct.pack('!HHHH', 9, 7, 16, 0) + b'fuzz_gif')
seed('fuzz_gif', 'plain_6in4_4in6_6in6', b'\2' + grec(ghow(G_PLAIN, 0, 2), gudp6('2001:db8:ff02::2', '2001:db8:2::1'))
     + grec(ghow(G_PLAIN, 0, 3, v4in=True), inner4)
     + grec(ghow(G_PLAIN, 0, 3), gudp6('2001:db8:ff03::2', '2001:db8:2::1'))
     + grec(ghow(G_PLAIN, 0, 3), ip6('2001:db8:ff03::2', '2001:db8:2::1', 41, gudp6('2001:db8:3000::1', '2001:db8:2::1')))
     + grec(ghow(G_PLAIN, 0, 2), ip6('2001:db8:ff02::2', '2001:db8:9::1', 4, inner4)))

# --- DHCPv6 (RFC 9915, RFC 3646, RFC 7598): UDP payloads
def d6o(code, body=b''): return struct.pack('!HH', code, len(body)) + body
def d6msg(t, xid, *opts): return bytes([t]) + xid.to_bytes(3, 'big') + b''.join(opts)
def d6relay(t, hops, link, peer, inner, *opts):
    return bytes([t, hops]) + a6(link) + a6(peer) + b''.join(opts) + d6o(9, inner)
def dname(n): return b''.join(bytes([len(l)]) + l.encode() for l in n.split('.')) + b'\0'
def pfx(p, plen): return a6(p)[:(plen + 7) // 8]
D6_CID = d6o(1, struct.pack('!HH', 3, 1) + MAC)                       # DUID-LL
D6_SID = d6o(2, struct.pack('!HHI', 1, 1, 0x2a3b4c5d) + MAC)          # DUID-LLT
D6_EN = d6o(2, struct.pack('!HI', 2, 32473) + b'sixd')                # DUID-EN
D6_UUID = d6o(1, struct.pack('!H', 4) + bytes(range(16)))
d6_iana = d6o(3, struct.pack('!III', 1, 1800, 2880) + d6o(5, a6('2001:db8::100') + struct.pack('!II', 3600, 7200)
              + d6o(13, struct.pack('!H', 0) + b'ok')))
d6_iata = d6o(4, struct.pack('!I', 2) + d6o(5, a6('2001:db8::200') + struct.pack('!II', 10, 20)))
d6_iapd = d6o(25, struct.pack('!III', 3, 1000, 1600) + d6o(26, struct.pack('!IIB', 3000, 4000, 56) + a6('2001:db8:aa00::')))
d6_oro = d6o(6, struct.pack('!6H', 23, 24, 82, 83, 94, 96))
d6_sol = d6msg(1, 0x123456, D6_CID, d6o(8, b'\0\0'), d6_oro, d6o(3, struct.pack('!III', 1, 0, 0)),
               d6o(25, struct.pack('!III', 3, 0, 0)), d6o(14), d6o(20))
seed('fuzz_dhcp6', 'solicit', d6_sol)
seed('fuzz_dhcp6', 'advertise', d6msg(2, 0x123456, D6_CID, D6_SID, d6o(7, b'\xff'), d6_iana, d6_iapd,
                                      d6o(13, struct.pack('!H', 0) + b'hello')))
for t, name in [(3, 'request'), (5, 'renew'), (8, 'release'), (9, 'decline')]:
    seed('fuzz_dhcp6', name, d6msg(t, 0x10 + t, D6_CID, D6_SID, d6o(8, b'\0\x10'), d6_iana, d6_iapd))
for t, name in [(4, 'confirm'), (6, 'rebind')]:
    seed('fuzz_dhcp6', name, d6msg(t, 0x20 + t, D6_UUID, d6o(8, b'\0\x10'), d6_iana, d6_iata))
seed('fuzz_dhcp6', 'inforeq', d6msg(11, 0x99, D6_CID, d6_oro, d6o(15, b'\0\3abc'), d6o(16, struct.pack('!IH', 9, 2) + b'hi')))
auth = d6o(11, struct.pack('!BBBQ', 3, 1, 0, 5) + bytes([1]) + bytes(range(16)))
seed('fuzz_dhcp6', 'reply_full', d6msg(7, 0x654321, D6_CID, D6_SID, d6_iana, d6_iata, d6_iapd, auth,
     d6o(23, a6('2001:db8::53') + a6('2001:db8::35')), d6o(24, dname('example.com') + dname('lab.example.org')),
     d6o(32, struct.pack('!I', 86400)), d6o(82, struct.pack('!I', 3600)), d6o(83, struct.pack('!I', 3600)),
     d6o(12, a6('2001:db8::547')), d6o(17, struct.pack('!I', 9) + struct.pack('!HH', 1, 1) + b'x'),
     d6o(13, struct.pack('!H', 0) + b'done'), d6o(14), d6o(20), d6o(37, b'remote')))
hmac = d6o(11, struct.pack('!BBBQ', 3, 1, 0, 6) + bytes([2]) + bytes(16))
seed('fuzz_dhcp6', 'reconfigure', d6msg(10, 0, D6_CID, D6_EN, d6o(19, b'\5'), hmac))
rule = d6o(89, struct.pack('!BBB', 1, 16, 24) + a4('192.0.2.0') + bytes([40]) + pfx('2001:db8:ab00::', 40)
           + d6o(93, struct.pack('!BBH', 6, 8, 0x34)))
seed('fuzz_dhcp6', 's46_mape', d6msg(7, 1, D6_CID, D6_SID, d6o(94, rule + d6o(90, a6('2001:db8::b1')))))
seed('fuzz_dhcp6', 's46_mapt', d6msg(7, 1, D6_CID, D6_SID, d6o(95, rule + d6o(91, bytes([96]) + pfx('64:ff9b::', 96)))))
seed('fuzz_dhcp6', 's46_lw', d6msg(7, 1, D6_CID, D6_SID, d6o(96, d6o(90, a6('2001:db8::b1'))
     + d6o(92, a4('198.51.100.7') + bytes([64]) + pfx('2001:db8:1:2::', 64) + d6o(93, struct.pack('!BBH', 0, 6, 5))))))
seed('fuzz_dhcp6', 'dhcpv4_query', d6msg(20, 0x800000, d6o(87, bytes([1, 1, 6, 0]) + bytes(236))))
fw1 = d6relay(12, 0, '2001:db8:1::1', 'fe80::211:22ff:fe33:4455', d6_sol, d6o(18, b'eth0'))
seed('fuzz_dhcp6', 'relay_forw_1', fw1)
fw = d6_sol
for i in range(8): fw = d6relay(12, i, '::', 'fe80::%x' % (i + 1), fw)
seed('fuzz_dhcp6', 'relay_forw_8', fw)
seed('fuzz_dhcp6', 'relay_forw_9', d6relay(12, 8, '::', 'fe80::9', fw))
seed('fuzz_dhcp6', 'relay_repl_2', d6relay(13, 1, '2001:db8:2::1', 'fe80::2', d6relay(13, 0, '2001:db8:1::1',
     'fe80::1', d6msg(7, 0x123456, D6_CID, D6_SID, d6_iana), d6o(18, b'eth0')), d6o(18, b'up0')))

# RFC 5007 Leasequery (by address of an IPv4 lease key, by client id), its reply; RFC 4704 FQDN; the DSTM extension
lq_by_addr = d6o(44, bytes([1]) + a6('2001:db8:1::1') + d6o(5, a6('::ffff:192.0.2.7') + struct.pack('!II', 0, 0)))
seed('fuzz_dhcp6', 'lq_by_addr', d6msg(14, 0x4c51, D6_CID, lq_by_addr))
seed('fuzz_dhcp6', 'lq_by_clientid', d6msg(14, 0x4c52, D6_CID, d6o(44, bytes([2]) + a6('::') + D6_UUID + d6o(6, struct.pack('!H', 46)))))
seed('fuzz_dhcp6', 'lq_reply', d6msg(15, 0x4c51, D6_CID, D6_SID, d6o(13, struct.pack('!H', 0)), d6o(45, D6_UUID
     + d6o(5, a6('::ffff:192.0.2.7') + struct.pack('!II', 100, 200)) + d6o(5, a6('2001:db8:1::100') + struct.pack('!II', 300, 400))
     + d6o(46, struct.pack('!I', 42)) + d6o(90, a6('2001:db8:ffff::1'))
     + d6o(96, d6o(92, a4('198.51.100.7') + bytes([128]) + a6('2001:db8:1::100') + d6o(93, struct.pack('!BBH', 6, 4, 3)))))))
seed('fuzz_dhcp6', 'lq_reply_none', d6msg(15, 0x4c53, D6_CID, D6_SID, d6o(13, struct.pack('!H', 9) + b'no lease')))
fqdn = d6o(39, bytes([1]) + dname('host.example.test'))
seed('fuzz_dhcp6', 'dstm_request', d6msg(3, 0x31, D6_CID, D6_SID, fqdn, d6_iana, d6o(0xfde9, b''),
     d6o(3, struct.pack('!III', 0x44, 0, 0) + d6o(5, a6('::ffff:0.0.0.0') + struct.pack('!II', 0, 0))), d6o(6, struct.pack('!H', 96))))
seed('fuzz_dhcp6', 'dstm_reply', d6msg(7, 0x31, D6_CID, D6_SID, fqdn, d6_iana, d6o(0xfde9, a6('2001:db8:ffff::1')),
     d6o(3, struct.pack('!III', 0x44, 1800, 2880) + d6o(5, a6('::ffff:192.0.2.9') + struct.pack('!II', 3600, 7200)))))

for target, items in SEEDS.items():
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    for name, data in items:
        with open(os.path.join(d, name), 'wb') as f: f.write(data)
print('wrote', sum(len(v) for v in SEEDS.values()), 'seeds for', len(SEEDS), 'targets')
