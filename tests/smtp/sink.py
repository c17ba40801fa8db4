"""A real SMTP server for the mail tests: aiosmtpd (the standard Python SMTP server) on
loopback, keeping each message it accepts as a file in a folder.

    python sink.py PORT FOLDER [--tls CERT KEY] [--auth USER:PASSWORD]

With --tls it requires STARTTLS with that certificate; with --auth it requires those
credentials (AUTH PLAIN or LOGIN, over TLS when --tls is given). Each kept message starts with
the envelope's recipients and how the session went (X-Session-TLS, X-Session-User). It prints
"ready" once it listens, and runs until killed. Installed by scripts/test into
target/smtp-venv (see tests/api/mail.rs).
"""

import asyncio
import os
import ssl
import sys
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Keep:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(self.folder, uuid.uuid4().hex)
        user = session.auth_data.login.decode() if session.authenticated else "-"
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(b"X-Session-TLS: " + (b"yes" if session.ssl else b"no") + b"\r\n")
            f.write(b"X-Session-User: " + user.encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name + ".eml")
        return "250 Message accepted for delivery"


def checker(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, auth_data=auth_data)

    return check


def main():
    port, folder, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    os.makedirs(folder, exist_ok=True)
    options = {}
    tls = False
    while rest:
        flag = rest.pop(0)
        if flag == "--tls":
            cert, key = rest.pop(0), rest.pop(0)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            options.update(tls_context=context, require_starttls=True)
            tls = True
        elif flag == "--auth":
            user, password = rest.pop(0).split(":", 1)
            options.update(
                authenticator=checker(user, password),
                auth_required=True,
                auth_require_tls=tls,
            )
        else:
            raise SystemExit("unknown option " + flag)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
