/*
 * A libssh server for the differential tests: Debian's libssh ships no server binary, so this is the
 * smallest one ssh_bind allows. Key exchange, then every authentication request is refused with the
 * methods publickey and password. One connection at a time, which is all the tests make.
 *
 * Usage: libssh-server PORT HOST_KEY. Prints "listening" once bound.
 */
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <stdio.h>
#include <stdlib.h>

static void serve(ssh_session session) {
    if (ssh_handle_key_exchange(session) != SSH_OK) return;
    ssh_message message;
    while ((message = ssh_message_get(session)) != NULL) {
        if (ssh_message_type(message) == SSH_REQUEST_AUTH)
            ssh_message_auth_set_methods(message, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
        ssh_message_reply_default(message);
        ssh_message_free(message);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT HOST_KEY\n", argv[0]);
        return 2;
    }
    ssh_bind bind = ssh_bind_new();
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_BINDADDR, "127.0.0.1");
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_BINDPORT_STR, argv[1]);
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY, argv[2]);
    if (ssh_bind_listen(bind) != SSH_OK) {
        fprintf(stderr, "listen: %s\n", ssh_get_error(bind));
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        ssh_session session = ssh_new();
        if (ssh_bind_accept(bind, session) == SSH_OK) serve(session);
        ssh_disconnect(session);
        ssh_free(session);
    }
}
