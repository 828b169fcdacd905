#!/usr/bin/env python3
"""test_dhcp6_wire.sh's scapy side.
  solicit FILE        write a Solicit built by scapy (IA_NA + IA_PD + ORO + ELAPSED)
  check-reply FILE    dissect the Reply built by src/wire/dhcp6.c; exit 1 on a mismatch
  pcap FILE OUT       wrap FILE in IPv6/UDP 547->546 for tshark"""
import sys
from scapy.all import IPv6, UDP, wrpcap, raw
from scapy.layers.dhcp6 import (DHCP6_Solicit, DHCP6_Reply, DHCP6OptClientId, DHCP6OptServerId, DUID_LL,
    DHCP6OptIA_NA, DHCP6OptIA_PD, DHCP6OptIAAddress, DHCP6OptIAPrefix, DHCP6OptOptReq, DHCP6OptElapsedTime,
    DHCP6OptDNSServers, DHCP6OptDNSDomains, DHCP6OptPref, DHCP6OptStatusCode, DHCP6OptRapidCommit)

def solicit(path):
    m = (DHCP6_Solicit(trid=0x4a5b6c)
         / DHCP6OptClientId(duid=DUID_LL(lladdr='02:11:22:33:44:55'))
         / DHCP6OptElapsedTime(elapsedtime=250)
         / DHCP6OptOptReq(reqopts=[23, 24, 82])
         / DHCP6OptIA_NA(iaid=0x11223344, T1=0, T2=0)
         / DHCP6OptIA_PD(iaid=5, T1=0, T2=0, iapdopt=[DHCP6OptIAPrefix(prefix='2001:db8:ff00::', plen=56,
                                                                        preflft=0, validlft=0)])
         / DHCP6OptRapidCommit())
    open(path, 'wb').write(raw(m))

def check_reply(path):
    m = DHCP6_Reply(open(path, 'rb').read())
    bad = []
    def want(what, got, exp):
        if got != exp: bad.append('%s: %r != %r' % (what, got, exp))
    want('msgtype', m.msgtype, 7)
    want('trid', m.trid, 0xc0ffee)
    want('clientid', bytes(m[DHCP6OptClientId].duid), bytes.fromhex('0003000102112233445 5'.replace(' ', '')))
    want('serverid', bytes(m[DHCP6OptServerId].duid), bytes.fromhex('00020000 7ed9'.replace(' ', '')) + b'sixd')
    na = m[DHCP6OptIA_NA]
    want('ia_na', (na.iaid, na.T1, na.T2), (0x0a0b0c0d, 1800, 2880))
    a = na[DHCP6OptIAAddress]
    want('iaaddr', (a.addr, a.preflft, a.validlft), ('2001:db8:1::100', 3600, 7200))
    pd = m[DHCP6OptIA_PD]
    want('ia_pd', (pd.iaid, pd.T1, pd.T2), (7, 1000, 1600))
    p = pd[DHCP6OptIAPrefix]
    want('iaprefix', (p.prefix, p.plen, p.preflft, p.validlft), ('2001:db8:aa00::', 56, 3000, 4000))
    want('dns', list(m[DHCP6OptDNSServers].dnsservers), ['2001:db8::53', '2001:db8::35'])
    want('domains', list(m[DHCP6OptDNSDomains].dnsdomains), ['example.com.', 'lab.example.org.'])
    want('preference', m[DHCP6OptPref].prefval, 200)
    st = m.getlayer(DHCP6OptStatusCode)
    want('status', (st.statuscode, st.statusmsg), (0, b'all good' if isinstance(st.statusmsg, bytes) else 'all good'))
    for b in bad: print('mismatch', b, file=sys.stderr)
    return 1 if bad else 0

def pcap(path, out):
    wrpcap(out, [IPv6(src='fe80::1', dst='fe80::2') / UDP(sport=547, dport=546) / open(path, 'rb').read()])

if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'solicit': solicit(sys.argv[2]); sys.exit(0)
    if cmd == 'check-reply': sys.exit(check_reply(sys.argv[2]))
    if cmd == 'pcap': pcap(sys.argv[2], sys.argv[3]); sys.exit(0)
    sys.exit(2)
