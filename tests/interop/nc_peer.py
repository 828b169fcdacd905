#!/usr/bin/env python3
"""Linux end of test_nc_stream.sh: one TCP connection, one role.

  sink   BIND PORT OUT       listen, accept one, read to EOF into OUT, close
  slow   BIND PORT OUT SECS  the same, reading 64 KiB every 0.1 s at least SECS long
  echo   BIND PORT OUT       listen, accept one, send back everything until EOF
  early  BIND PORT N         listen, accept one, read N bytes, close (unread data: RST)
  hold   BIND PORT OUT       listen, accept one, read 1 KiB every 0.2 s; OUT gets
                             'reset', 'eof' or 'timeout' (20 s)
  source ADDR PORT IN OUT [WATCH]
                             connect (retrying 10 s), send IN, shut the sending
                             side, read to EOF into OUT; with WATCH, send the
                             second half of IN only once the first is in WATCH
  probe  ADDR PORT           connect once: prints 'refused' or 'open'
A listener creates OUT.ready once it listens."""
import os
import socket
import sys
import time


def listen(bind, port, ready):
    fam = socket.AF_INET6 if ':' in bind else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(1)
    open(ready, 'w').close()
    s.settimeout(30)
    c, _ = s.accept()
    s.close()
    c.settimeout(30)
    return c


def read_all(c, out, chunk=65536, pause=0.0):
    with open(out, 'wb') as f:
        while True:
            d = c.recv(chunk)
            if not d:
                break
            f.write(d)
            if pause:
                time.sleep(pause)


def main():
    role, a, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rest = sys.argv[4:]
    if role == 'sink':
        c = listen(a, port, rest[0] + '.ready')
        read_all(c, rest[0])
        c.close()
    elif role == 'slow':
        c = listen(a, port, rest[0] + '.ready')
        t0 = time.time()
        read_all(c, rest[0], 65536, 0.1)
        while time.time() - t0 < float(rest[1]):
            time.sleep(0.1)
        c.close()
    elif role == 'echo':
        c = listen(a, port, rest[0] + '.ready')
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
        c.shutdown(socket.SHUT_WR)
        c.close()
    elif role == 'early':
        c = listen(a, port, rest[0] + '.ready')
        n = int(rest[1])
        got = 0
        while got < n:
            d = c.recv(n - got)
            if not d:
                break
            got += len(d)
        time.sleep(0.3)     # more has arrived unread: close() resets
        c.close()
    elif role == 'hold':
        out = rest[0]
        c = listen(a, port, out + '.ready')
        res = 'timeout'
        t0 = time.time()
        try:
            while time.time() - t0 < 20:
                d = c.recv(1024)
                if not d:
                    res = 'eof'
                    break
                time.sleep(0.2)
        except ConnectionResetError:
            res = 'reset'
        except socket.timeout:
            res = 'timeout'
        with open(out, 'w') as f:
            f.write(res + '\n')
    elif role == 'source':
        fam = socket.AF_INET6 if ':' in a else socket.AF_INET
        t0 = time.time()
        while True:
            c = socket.socket(fam, socket.SOCK_STREAM)
            try:
                c.connect((a, port))
                break
            except ConnectionRefusedError:
                c.close()
                if time.time() - t0 > 10:
                    raise
                time.sleep(0.1)
        c.settimeout(30)
        with open(rest[0], 'rb') as f:
            data = f.read()
        half = len(data) // 2
        c.sendall(data[:half])
        if len(rest) > 2:       # the first half must come out of WATCH while we wait
            t0 = time.time()
            while os.path.getsize(rest[2]) < half:
                if time.time() - t0 > 10:
                    sys.exit('%s: %d bytes of %d after 10 s: not streamed'
                             % (rest[2], os.path.getsize(rest[2]), half))
                time.sleep(0.05)
        c.sendall(data[half:])
        c.shutdown(socket.SHUT_WR)
        read_all(c, rest[1])
        c.close()
    elif role == 'probe':
        fam = socket.AF_INET6 if ':' in a else socket.AF_INET
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.settimeout(5)
        try:
            c.connect((a, port))
            print('open')
        except ConnectionRefusedError:
            print('refused')
    else:
        sys.exit('unknown role ' + role)


if __name__ == '__main__':
    main()
