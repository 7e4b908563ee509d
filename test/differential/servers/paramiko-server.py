"""A paramiko SSH server for the differential tests: key exchange, then every authentication refused.

Usage: /usr/bin/python3 paramiko-server.py PORT HOST_KEY (an RSA private key). Prints "listening" once bound.
"""
import socket
import sys
import threading

import paramiko

port, key_path = int(sys.argv[1]), sys.argv[2]
host_key = paramiko.RSAKey.from_private_key_file(key_path)


class RefuseEveryone(paramiko.ServerInterface):
    def get_allowed_auths(self, username):
        return "publickey,password"

    def check_auth_none(self, username):
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username, password):
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_FAILED


def serve(conn):
    transport = paramiko.Transport(conn)
    transport.add_server_key(host_key)
    try:
        transport.start_server(server=RefuseEveryone())
        # The transport's own thread answers the authentication requests until the client leaves.
        transport.join(30)
    except Exception:
        pass
    finally:
        transport.close()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(16)
print("listening", flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
