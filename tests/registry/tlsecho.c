/* tests/registry/tlsecho.c: registry/http over TLS with a handler that
 * echoes what http.c tells it of the client, for tests/registry/tls.sh.
 *
 *   tlsecho CERT KEY [CLIENT_CA none|requested|required]
 *
 * Serves on 127.0.0.1, a free port, printed as "port N" on stdout once it
 * listens (or "error: MESSAGE", exit 2). Every request is answered 200 with
 * {"principal": peer_principal, "user": basic_user, "password":
 * basic_password, "malformed": basic_malformed} (null for NULL). Runs until
 * SIGTERM or SIGINT. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/http.h"

static void echo(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx;
	json_t *o = json_pack("{s:s?,s:s?,s:s?,s:b}", "principal", req->peer_principal, "user",
	                      req->basic_user, "password", req->basic_password, "malformed",
	                      req->basic_malformed);
	resp->body = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	resp->body_len = resp->body ? strlen(resp->body) : 0;
	resp->status = resp->body ? 200 : 500;
	resp->content_type = "application/json";
	json_decref(o);
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: tlsecho CERT KEY [CLIENT_CA none|requested|required]\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	struct http_tls tls = {.cert_file = argv[1], .key_file = argv[2]};
	if (argc == 5) {
		tls.client_ca = argv[3];
		tls.client_auth = !strcmp(argv[4], "required")    ? HTTP_CLIENT_AUTH_REQUIRED
		                  : !strcmp(argv[4], "requested") ? HTTP_CLIENT_AUTH_REQUESTED
		                                                  : HTTP_CLIENT_AUTH_NONE;
	}
	struct http_options ho = {
	    .host = "127.0.0.1", .body_limit = 4096, .threads = 2, .tls = &tls};
	struct sg_error err;
	error_clear(&err);
	struct http_server *srv = http_open(&ho, echo, NULL, &err);
	if (!srv) {
		printf("error: %s\n", err.msg);
		return 2;
	}
	printf("port %d\n", http_port(srv));
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	http_close(srv);
	return 0;
}
