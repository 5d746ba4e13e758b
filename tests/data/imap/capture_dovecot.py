#!/usr/bin/env python3
"""Capture one IMAP session with a real server, both directions, as the
byte streams mw-imap-dump reads (--client-stream / --server-stream).

    capture_dovecot.py HOST PORT USER PASSWORD OUT_PREFIX

Run against a standalone Dovecot on loopback (see
/work/shared/REAL-PEERS.md); writes OUT_PREFIX_client.txt and
OUT_PREFIX_server.txt."""
import base64
import socket
import sys

host, port, user, password, prefix = sys.argv[1:6]
sock = socket.create_connection((host, int(port)), timeout=10)
sent = bytearray()
received = bytearray()


def send(data):
    sent.extend(data)
    sock.sendall(data)


def read_until(marker):
    while marker not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed waiting for %r" % marker)
        received.extend(chunk)


def command(tag, text, wait=None):
    send(tag + b" " + text + b"\r\n")
    read_until(b"\r\n" + tag + b" " if received else tag + b" ")
    read_until(b"\r\n" + tag + b" ")
    tail = received[received.rindex(b"\r\n" + tag + b" "):]
    while not tail.endswith(b"\r\n"):
        received.extend(sock.recv(65536))
        tail = received[received.rindex(b"\r\n" + tag + b" "):]


message = (b"Date: Tue, 1 Apr 2025 10:00:00 +0000\r\n"
           b"From: Alice <alice@example.com>\r\n"
           b"To: Bob <bob@example.org>, undisclosed-recipients:;\r\n"
           b"Subject: =?UTF-8?Q?caf=C3=A9?= report\r\n"
           b"Message-ID: <1@example.com>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
           b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"caf=C3=A9\r\n"
           b"--b1\r\nContent-Type: application/octet-stream; name=x.bin\r\n"
           b"Content-Disposition: attachment; filename=x.bin\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n"
           b"AAECAwQFBgc=\r\n--b1--\r\n")

read_until(b"\r\n")
command(b"a1", b"CAPABILITY")
send(b"a2 AUTHENTICATE PLAIN\r\n")
read_until(b"+ ")
read_until(b"\r\n")
send(base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()) +
     b"\r\n")
read_until(b"\r\na2 ")
read_until(b"\r\n")
command(b"a3", b"ENABLE CONDSTORE")
command(b"a4", b"CREATE \"Sent &AOk-t&AOk-\"")
command(b"a5", b"APPEND INBOX (\\Seen $Forwarded) "
        b"\"01-Apr-2025 10:00:00 +0000\" {%d+}\r\n" % len(message) + message)
command(b"a6", b"LIST \"\" \"*\"")
command(b"a7", b"STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN "
        b"HIGHESTMODSEQ)")
command(b"a8", b"SELECT INBOX")
command(b"a9", b"FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE "
        b"BODYSTRUCTURE MODSEQ)")
command(b"b1", b"UID FETCH 1:* (BODY.PEEK[] BODY.PEEK[1.MIME] "
        b"BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[HEADER.FIELDS (From "
        b"Subject)]<0.40>)")
command(b"b2", b"SEARCH CHARSET UTF-8 SUBJECT report NOT DELETED")
command(b"b3", b"UID STORE 1 +FLAGS (\\Flagged)")
command(b"b4", b"NAMESPACE")
command(b"b5", b"ID (\"name\" \"mailwire-capture\")")
command(b"b6", b"GETQUOTAROOT INBOX")
send(b"b7 IDLE\r\n")
read_until(b"+ ")
read_until(b"\r\n")
send(b"DONE\r\n")
read_until(b"\r\nb7 ")
read_until(b"\r\n")
command(b"b8", b"UID COPY 1 \"Sent &AOk-t&AOk-\"")
command(b"b9", b"EXPUNGE")
command(b"c1", b"NOOP")
command(b"c2", b"LOGOUT")
sock.close()
open(prefix + "_client.txt", "wb").write(sent)
open(prefix + "_server.txt", "wb").write(received)
