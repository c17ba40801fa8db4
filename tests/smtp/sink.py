"""A real SMTP server for the mail tests: aiosmtpd (the standard Python SMTP server) on
loopback, keeping each message it accepts as a file in a folder.

    python sink.py PORT FOLDER

It prints "ready" once it listens, and runs until killed. Installed by scripts/test into
target/smtp-venv (see tests/api/mail.rs).
"""

import asyncio
import os
import sys
import uuid

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(self.folder, uuid.uuid4().hex)
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name + ".eml")
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
