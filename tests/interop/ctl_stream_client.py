#!/usr/bin/env python3
"""A raw client of sixd's control protocol (src/ctl/ctlproto.h, "Streams"),
for what sixctl never does. Prints one word, the test checks it.

  shutwr SOCK HOST PORT TEXT   stream TEXT, then shutdown(SHUT_WR) instead of
                               CTL_EOF: prints 'exit N' (sixd takes the
                               socket's EOF as the end of input)
  early  SOCK HOST PORT        DATA before CTL_STREAM: prints 'exit N' and
                               the error text sixd answers with
  late   SOCK HOST PORT        stream 'x', get EXIT (the peer closes), send more
                               DATA, EOF, then a new request (stats): prints
                               'exit N then M' (late DATA dropped, connection
                               still usable)"""
import socket
import struct
import sys

REQ, OUT, ERR, EXIT, STREAM, DATA, EOF = 1, 2, 3, 4, 9, 10, 11


def frame(t, p=b''):
    return struct.pack('>IBBBB', len(p), t, 1, 0, 0) + p


def req(args, flags=2):
    return frame(REQ, struct.pack('>II', flags, len(args)) + b''.join(a.encode() + b'\0' for a in args))


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(path)
        self.buf = b''

    def frame(self):
        while True:
            if len(self.buf) >= 8:
                n = struct.unpack('>I', self.buf[:4])[0]
                if len(self.buf) >= 8 + n:
                    t, p = self.buf[4], self.buf[8:8 + n]
                    self.buf = self.buf[8 + n:]
                    return t, p
            d = self.s.recv(65536)
            if not d:
                return None, b''
            self.buf += d

    def until_exit(self):
        text = b''
        while True:
            t, p = self.frame()
            if t is None:
                return None, text
            if t == EXIT:
                return struct.unpack('>I', p)[0], text
            if t in (OUT, ERR, DATA):
                text += p


def main():
    mode, path, host, port = sys.argv[1:5]
    c = Conn(path)
    if mode == 'shutwr':
        c.s.sendall(req(['nc', host, port]))
        t, _ = c.frame()
        if t != STREAM:
            print('no-stream', t)
            return
        c.s.sendall(frame(DATA, sys.argv[5].encode()))
        c.s.shutdown(socket.SHUT_WR)
        st, _ = c.until_exit()
        print('exit', st)
    elif mode == 'early':
        c.s.sendall(req(['nc', '-l', port]) + frame(DATA, b'too soon'))
        st, text = c.until_exit()
        print('exit', st, text.decode(errors='replace').strip())
    elif mode == 'late':
        c.s.sendall(req(['nc', host, port]))
        t, _ = c.frame()
        if t != STREAM:
            print('no-stream', t)
            return
        c.s.sendall(frame(DATA, b'x'))
        st, _ = c.until_exit()
        c.s.sendall(frame(DATA, b'late') + frame(EOF) + req(['stats', 'ctl.stream_data_late'], 0))
        st2, text = c.until_exit()
        print('exit', st, 'then', st2, text.decode().strip())


if __name__ == '__main__':
    main()
