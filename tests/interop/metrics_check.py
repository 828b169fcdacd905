#!/usr/bin/env python3
"""Helpers of test_metrics.sh.

compare DIR PROMFILE: parse PROMFILE (sixctl stats -o prometheus or a
  scrape of /metrics) with python3-prometheus-client's text parser and
  check it against what sixctl printed as JSON before (DIR/stats1.json,
  links1.json, sa1.json) and after (…2.json) it: every counter of
  `sixctl -j stats -a`, every interface's RX/TX, every SA's packets, bytes
  and drops, each with a value between the two reads (counters only grow).
  Prints one line per failure; exit status 1 if any.

esp IFACE SIX LIN KEY_IN KEY_OUT MAC: scapy's ESP (AES-GCM, SPI 0x1002 towards
  sixd, 0x1001 back) sends three UDP datagrams to sixd's echo service and
  decrypts the three answers, then sends one of them again (a replay) and
  one with a flipped bit (a bad ICV). Prints "echoed N".

http ADDR PORT WHAT: one hostile or plain HTTP exchange against sixd's
  endpoint; prints what happened (status code, "closed", "timeout").
"""
import json
import re
import socket
import sys
import time

WIRE = re.compile(r'^([a-z0-9]+)\.drop\.(.+)$')


def sanitize(s):
    return re.sub(r'[^a-zA-Z0-9_]', '_', s)


def prom_key(counter):
    """sixctl's counter name -> (sample name, labels) in the exposition."""
    m = WIRE.match(counter)
    if m:
        return 'sixstack_wire_drop_total', {'proto': m.group(1), 'reason': m.group(2)}
    return 'sixstack_%s_total' % sanitize(counter), {}


def load(path):
    with open(path) as f:
        return json.load(f)


def compare(d, promfile):
    from prometheus_client.parser import text_string_to_metric_families
    with open(promfile, encoding='utf-8') as f:
        text = f.read()
    samples = {}
    types = {}
    for fam in text_string_to_metric_families(text):   # raises on a syntax error
        types[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in samples:
                print('duplicate sample %s %s' % key)
            samples[key] = s.value
    bad = 0

    def within(what, key, lo, hi):
        nonlocal bad
        v = samples.get((key[0], tuple(sorted(key[1].items()))))
        if v is None:
            print('missing: %s (%s %s)' % (what, key[0], key[1]))
            bad += 1
        elif not lo <= v <= hi:
            print('value of %s: %s not within [%s, %s]' % (what, v, lo, hi))
            bad += 1

    s1, s2 = load(d + '/stats1.json'), load(d + '/stats2.json')
    for name, v in s1.items():
        within(name, prom_key(name), v, s2.get(name, v))
    # every counter family is typed "counter"
    for name in s1:
        fam = prom_key(name)[0][:-len('_total')]
        if types.get(fam) != 'counter':
            print('family %s of %s has type %s' % (fam, name, types.get(fam)))
            bad += 1

    l1 = {i['ifname']: i for i in load(d + '/links1.json')}
    l2 = {i['ifname']: i for i in load(d + '/links2.json')}
    for ifname, i in l1.items():
        for way in ('rx', 'tx'):
            for what in ('packets', 'bytes', 'drops'):
                within('%s %s %s' % (ifname, way, what),
                       ('sixstack_if_%s_%s_total' % (way, what), {'ifname': ifname}),
                       i['stats'][way][what], l2[ifname]['stats'][way][what])

    def sa_key(sa):
        return (sa['spi'], sa['src'], sa['dst'], sa['proto'])
    a1 = {sa_key(sa): sa for sa in load(d + '/sa1.json')}
    a2 = {sa_key(sa): sa for sa in load(d + '/sa2.json')}
    dirs = {}
    for k, sa in a1.items():
        labels = {'spi': '0x%x' % sa['spi'], 'src': sa['src'], 'dst': sa['dst'], 'proto': sa['proto']}
        found = [lab for (n, lab) in samples if n == 'sixstack_ipsec_sa_packets_total'
                 and all(dict(lab).get(x) == y for x, y in labels.items())]
        if len(found) != 1:
            print('SA %s: %d packet series' % (labels, len(found)))
            bad += 1
            continue
        labels['dir'] = dict(found[0]).get('dir')
        dirs[labels['spi']] = labels['dir']
        within('SA %s packets' % labels['spi'], ('sixstack_ipsec_sa_packets_total', labels),
               sa['packets'], a2[k]['packets'])
        within('SA %s bytes' % labels['spi'], ('sixstack_ipsec_sa_bytes_total', labels),
               sa['bytes'], a2[k]['bytes'])
        for reason in ('replay', 'icv', 'pad', 'truncated', 'selector'):
            within('SA %s drop %s' % (labels['spi'], reason),
                   ('sixstack_ipsec_sa_drop_total', dict(labels, reason=reason)),
                   sa['drops'][reason], a2[k]['drops'][reason])
        last = samples.get(('sixstack_ipsec_sa_last_packet_timestamp_seconds', tuple(sorted(labels.items()))))
        if last is None or (sa['packets'] > 0 and abs(last - time.time()) > 300):
            print('SA %s: last packet timestamp %s' % (labels['spi'], last))
            bad += 1
    print('dirs ' + ' '.join('%s=%s' % kv for kv in sorted(dirs.items())))
    print('samples %d' % len(samples))
    return 1 if bad else 0


def http(addr, port, what):
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(15)
    s.connect((addr, port))
    t0 = time.monotonic()
    try:
        if what == 'get':
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
        elif what == 'post':
            s.sendall(b'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc')
        elif what == 'garbage':
            s.sendall(b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n')
        elif what == 'notfound':
            s.sendall(b'GET /secret HTTP/1.0\r\n\r\n')
        elif what == 'long':
            # a head that never ends: 1 MB of header lines
            try:
                for _ in range(1024):
                    s.sendall(b'X-Junk: ' + b'a' * 1014 + b'\r\n')
            except OSError:
                pass            # sixd answered and closed while we were still sending
        elif what == 'slow':
            # slowloris: a byte a second, never a whole request
            for ch in b'GET /metrics HTTP/1.1\r\nHost: x\r\n':
                try:
                    s.sendall(bytes([ch]))
                except OSError:
                    break
                s.settimeout(1)
                try:
                    if s.recv(1) == b'':
                        print('closed after %.1f s' % (time.monotonic() - t0))
                        return 0
                except socket.timeout:
                    continue
                except OSError:
                    print('closed after %.1f s' % (time.monotonic() - t0))
                    return 0
            print('timeout: still open after %.1f s' % (time.monotonic() - t0))
            return 1
        data = b''
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            data += b
    except socket.timeout:
        print('timeout')
        return 1
    if not data:
        print('closed')
        return 0
    head = data.split(b'\r\n\r\n', 1)[0].decode('latin-1')
    status = head.split('\r\n')[0]
    print(status.split(' ')[1] if ' ' in status else status)
    for line in head.split('\r\n')[1:]:
        print(line)
    return 0


def esp(iface, six, lin, key_in, key_out, mac):
    from scapy.all import AsyncSniffer, Ether, IPv6, UDP, Raw, sendp, conf
    from scapy.layers.ipsec import SecurityAssociation, ESP
    conf.verb = 0
    to_six = SecurityAssociation(ESP, spi=0x1002, crypt_algo='AES-GCM', crypt_key=bytes.fromhex(key_in[2:]))
    from_six = SecurityAssociation(ESP, spi=0x1001, crypt_algo='AES-GCM', crypt_key=bytes.fromhex(key_out[2:]))
    import threading
    ready = threading.Event()
    # sixd's ESP, not the kernel's ICMPv6 errors that quote it (this kernel has no ESP)
    sn = AsyncSniffer(iface=iface, lfilter=lambda p: p.haslayer(IPv6) and p[IPv6].src == six and p[IPv6].nh == 50, count=3, timeout=6,
                      started_callback=ready.set)
    sn.start()
    ready.wait(3)
    time.sleep(0.2)
    def send(p, iface):   # at layer 2 to sixd's MAC: scapy's own ND lookup is not needed
        sendp(Ether(dst=mac) / p, iface=iface)
    sent = []
    for i in range(3):
        pkt = to_six.encrypt(IPv6(src=lin, dst=six) / UDP(sport=40000 + i, dport=7) / Raw(b'metrics %d' % i))
        sent.append(bytes(pkt))
        send(pkt, iface=iface)
        time.sleep(0.2)
    sn.join()
    echoed = 0
    for p in sn.results:
        try:
            dec = from_six.decrypt(IPv6(bytes(p[IPv6])))
            if dec.haslayer(Raw) and dec[Raw].load.startswith(b'metrics '):
                echoed += 1
            else:
                print('# not an echo: %r' % dec, file=sys.stderr)
        except Exception as e:   # a bad ICV raises
            print('# decrypt: %s' % e, file=sys.stderr)
    send(IPv6(sent[1]), iface=iface)                       # the same packet again: a replay
    bad = bytearray(to_six.encrypt(IPv6(src=lin, dst=six) / UDP(sport=40009, dport=7) / Raw(b'tampered')).__bytes__())
    bad[-1] ^= 1                                            # the last byte of the ICV
    send(IPv6(bytes(bad)), iface=iface)
    time.sleep(0.3)
    print("echoed %d of %d sniffed" % (echoed, len(sn.results)))
    return 0


def main():
    if sys.argv[1] == 'compare':
        return compare(sys.argv[2], sys.argv[3])
    if sys.argv[1] == 'esp':
        return esp(*sys.argv[2:8])
    if sys.argv[1] == 'http':
        return http(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    return 2


if __name__ == '__main__':
    sys.exit(main())
