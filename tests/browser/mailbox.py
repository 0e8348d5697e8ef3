#!/usr/bin/env python3
"""The browser test's mailboxes: fills a source mailbox over IMAPS, and turns the output of
`doveadm fetch 'mailbox flags date.received text' ALL` into sorted lines to compare.
  mailbox.py fill PORT CA_FILE USER     (the password on stdin)
  mailbox.py normalise DELIMITER        (doveadm's output on stdin; folder names get '/')
"""
import imaplib
import ssl
import sys

# (folder, flags, INTERNALDATE, subject)
MESSAGES = [
    ("INBOX", r"\Seen \Flagged", "03-Jun-2024 10:01:00 +0000", "the first"),
    ("INBOX", "", "05-Jan-2023 23:59:59 -0500", "unread, from last year"),
    ("Projects/2024", r"\Answered $Label1", "04-Jun-2024 11:02:00 +0200", "in a sub-folder"),
]


def message(index, user, subject):
    return (f"From: sender{index}@example.test\r\nTo: {user}\r\nSubject: {subject}\r\n"
            f"Message-ID: <browser-{index}@example.test>\r\n"
            f"Date: Mon, 3 Jun 2024 10:0{index}:00 +0000\r\n\r\nbody of message {index}\r\n").encode()


def fill(port, ca_file, user):
    password = sys.stdin.readline().rstrip("\n")
    box = imaplib.IMAP4_SSL("localhost", int(port),
                            ssl_context=ssl.create_default_context(cafile=ca_file))
    box.login(user, password)
    for index, (folder, flags, date, subject) in enumerate(MESSAGES):
        if folder != "INBOX":
            box.create(folder)
        status, answer = box.append(folder, f"({flags})" if flags else None, f'"{date}"',
                                    message(index, user, subject))
        if status != "OK":
            sys.exit(f"APPEND to {folder} failed: {answer}")
    box.logout()
    print(f"filled {user}: {len(MESSAGES)} messages")


def normalise(delimiter):
    records = []
    for block in sys.stdin.read().split("\f\n"):
        if not block.strip():
            continue
        head, _, text = block.partition("text:\n")
        fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        flags = sorted(f for f in fields.get("flags", "").split() if f != "\\Recent")
        folder = fields["mailbox"].replace(delimiter, "/")
        records.append(f"{folder} | {' '.join(flags)} | {fields['date.received']} | {text!r}")
    print("\n".join(sorted(records)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["fill"] and len(sys.argv) == 5:
        fill(*sys.argv[2:])
    elif sys.argv[1:2] == ["normalise"] and len(sys.argv) == 3:
        normalise(sys.argv[2])
    else:
        sys.exit(__doc__)
