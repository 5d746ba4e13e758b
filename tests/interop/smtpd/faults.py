#!/usr/bin/env python3
"""Interop test 4: faults and load against mw-smtpd.

- A client that disconnects in the middle of DATA (orderly close and
  reset) leaves no message in new/ and no temp file in tmp/.
- --max-size is announced and enforced (552), leaving nothing behind.
- Slow clients (one that never finishes a line, one that floods pipelined
  commands without reading the replies) do not stall the others.
- An idle client is sent 421 and closed after --idle-timeout.
- 200 concurrent connections from threads (all sessions open at the same
  time) all complete, and 200 messages land.

usage: faults.py PATH-TO-mw-smtpd
"""
import os
import shutil
import smtplib
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtpd_common import Failures, Smtpd, temp_dir  # noqa: E402


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def recv_reply(sock):
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) >= 2 and len(lines[-2]) >= 4 and lines[-2][3:4] == b" ":
            return data


def mid_data_disconnect(t, srv, reset):
    name = "mid_data_disconnect_%s" % ("reset" if reset else "close")
    user = "cut" + ("r" if reset else "c")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    recv_reply(s)
    s.sendall(b"EHLO client.example\r\n")
    recv_reply(s)
    s.sendall(b"MAIL FROM:<a@example.org>\r\n")
    recv_reply(s)
    s.sendall(b"RCPT TO:<%s@example.org>\r\n" % user.encode())
    recv_reply(s)
    s.sendall(b"DATA\r\n")
    t.check(recv_reply(s).startswith(b"354"), "%s: 354" % name)
    s.sendall(b"Subject: cut\r\n\r\n" + b"x" * 70 + b"\r\n" * 3000)
    t.check(wait_for(lambda: len(srv.files(user, "tmp")) == 1),
            "%s: the message is being written to tmp/" % name)
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    t.check(wait_for(lambda: srv.files(user, "tmp") == []),
            "%s: no temp file left in tmp/" % name, repr(srv.files(user, "tmp")))
    t.check(srv.files(user) == [], "%s: nothing in new/" % name)


def max_size(t, exe, tmp):
    srv = Smtpd(exe, tmp, ["--max-size", "10000"], "small")
    try:
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as s:
            s.ehlo()
            t.check(s.esmtp_features.get("size") == "10000", "--max-size announced in SIZE")
            code, _ = s.mail("a@example.org", ["SIZE=20000"])
            t.check(code == 552, "MAIL SIZE= above --max-size: 552", str(code))
            s.rset()
            s.mail("a@example.org")
            s.rcpt("big@example.org")
            code, msg = s.data(b"Subject: big\r\n\r\n" + (b"y" * 78 + b"\r\n") * 200)
            t.check(code == 552, "message above --max-size refused with 552", str(code))
            code, _ = s.noop()
            t.check(code == 250, "session goes on after 552")
        t.check(srv.files("big") == [] and srv.files("big", "tmp") == [],
                "oversized message leaves nothing in new/ or tmp/")
    finally:
        t.check(srv.stop() == 0, "max-size server exits 0")


def slow_clients(t, srv):
    # One client sends half a command and stays; one floods pipelined
    # commands and never reads a reply (its socket buffers fill up).
    half = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    half.sendall(b"EHLO slow")
    flood = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    flood.setblocking(False)
    sent = 0
    blob = b"NOOP\r\n" * 10000
    deadline = time.time() + 3
    while time.time() < deadline:
        try:
            sent += flood.send(blob)
        except BlockingIOError:
            time.sleep(0.05)
            try:
                sent += flood.send(blob)
            except BlockingIOError:
                break
    started = time.time()
    ok = True
    try:
        for i in range(5):
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=5) as s:
                s.sendmail("a@example.org", ["fast@example.org"], b"Subject: fast %d\r\n\r\nok\r\n" % i)
    except Exception as e:  # noqa: BLE001
        ok = False
        print("     %r" % e)
    elapsed = time.time() - started
    t.check(ok and elapsed < 5 and len(srv.files("fast")) == 5,
            "slow and flooding clients do not stall others (%.2f s, %d KB unread NOOPs)"
            % (elapsed, sent // 1024))
    half.close()
    flood.close()


def idle_timeout(t, exe, tmp):
    srv = Smtpd(exe, tmp, ["--idle-timeout", "1"], "idle")
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        recv_reply(s)
        started = time.time()
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        t.check(data.startswith(b"421") and time.time() - started < 5,
                "idle client gets 421 and is closed after --idle-timeout", repr(data))
    finally:
        t.check(srv.stop() == 0, "idle server exits 0")


def concurrent(t, srv, n=200):
    barrier = threading.Barrier(n, timeout=60)
    errors = []
    done = []
    lock = threading.Lock()

    def client(i):
        try:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=60) as s:
                s.ehlo("load%d.example" % i)
                barrier.wait()  # all n sessions are open at this point
                body = b"Subject: load %d\r\n\r\n" % i + b"line of load\r\n" * 50
                refused = s.sendmail("load@example.org", ["load%d@example.org" % (i % 10)], body)
                with lock:
                    (errors if refused else done).append(refused or i)
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(repr(e))
            barrier.abort()

    started = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.time() - started
    landed = sum(len(srv.files("load%d" % k)) for k in range(10))
    t.check(not errors and len(done) == n,
            "%d concurrent connections all complete (%.1f s)" % (n, elapsed), repr(errors[:5]))
    t.check(landed == n, "%d messages land in new/" % n, "(%d)" % landed)


def main():
    exe = sys.argv[1]
    tmp = temp_dir()
    t = Failures()
    srv = None
    try:
        srv = Smtpd(exe, tmp, [])
        mid_data_disconnect(t, srv, reset=False)
        mid_data_disconnect(t, srv, reset=True)
        slow_clients(t, srv)
        concurrent(t, srv)
        t.check(srv.all_files("tmp") == [], "no temp files left in any tmp/")
        max_size(t, exe, tmp)
        idle_timeout(t, exe, tmp)
    finally:
        if srv:
            t.check(srv.stop() == 0, "server exits 0 on SIGTERM")
            if t.failed:
                print(srv.log()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
