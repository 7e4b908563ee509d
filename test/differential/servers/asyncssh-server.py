"""An AsyncSSH server for the differential tests: key exchange, then every authentication refused.

Usage: /usr/bin/python3 asyncssh-server.py PORT HOST_KEY. Prints "listening" once bound.
"""
import asyncio
import sys

import asyncssh


class RefuseEveryone(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return False

    def public_key_auth_supported(self):
        return True

    def validate_public_key(self, username, key):
        return False


async def main():
    await asyncssh.listen(
        "127.0.0.1", int(sys.argv[1]), server_host_keys=[sys.argv[2]], server_factory=RefuseEveryone
    )
    print("listening", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
