"""Replay one ESP packet to sixd (tests/interop/test_logs.sh).

argv = iface six6 lin6 key_hex count: scapy encrypts one ICMPv6 echo request
with SPI 0x1001 and sequence number 1, then sends that same packet count
times (the first is authentic, every later one a replay)."""
import sys
from scapy.all import IPv6, ICMPv6EchoRequest, conf, send
from scapy.layers.ipsec import SecurityAssociation, ESP

conf.verb = 0
iface, six6, lin6, key, count = sys.argv[1], sys.argv[2], sys.argv[3], bytes.fromhex(sys.argv[4]), int(sys.argv[5])
sa = SecurityAssociation(ESP, spi=0x1001, crypt_algo="AES-GCM", crypt_key=key)
pkt = sa.encrypt(IPv6(src=lin6, dst=six6) / ICMPv6EchoRequest(id=0x77, seq=1, data=b"replayed"), seq_num=1)
raw = IPv6(bytes(pkt))
send([raw] * count, iface=iface)
