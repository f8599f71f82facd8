/* tests/kafka/test_looptls.c: TLS on gateway/loop connections, and the
 * contexts of gateway/tls. A CA, server and client certificates are made at
 * start with OpenSSL's API in a temporary folder. Each case runs the loop
 * until it is done (or a watchdog stops it): loop TLS clients against loop
 * TLS listeners, and for exact control of records and reads, a blocking
 * OpenSSL client on its own thread. Checks the handshake on both sides,
 * client certificates (none, foreign, good; the subject read as DER),
 * hostname verification and the insecure option, 1 MiB frames echoed in
 * order, a reader that reads late (partial TLS writes), a pause while
 * decrypted bytes wait inside OpenSSL, frames streamed between TLS and
 * plaintext connections, CAs given as a directory or a bundle, and a
 * certificate rotation. The handshake timeout: a client that never
 * handshakes is closed and counted, and no other client notices. Then the
 * gateway's certificate rotation end to end (gateway_open() over a small
 * blocking fake broker): the server certificate and the certmap folder
 * replaced on disk, Kubernetes style (a `..data` link swapped), picked up
 * by the watcher or by gateway_tls_reload(); new connections get the new
 * ones, connections made before keep working, and a broken file keeps the
 * old context and counts in the metrics.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "compat/error.h"
#include "gateway/gateway.h"
#include "gateway/loop.h"
#include "gateway/tls.h"
#include "tests/tap.h"

static struct loop *lp;
static char dir[64]; /* the temporary folder of keys and certificates */

/* Certificates. */

struct pki {
	EVP_PKEY *key;
	X509 *cert;
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

/* A P-256 key and a certificate for CN=`cn`, signed by `ca` (NULL: a
 * self-signed CA). `san` is a subjectAltName value or NULL. */
static struct pki make_pki(const char *cn, const struct pki *ca, const char *san)
{
	static long serial = 1;
	struct pki p = {EVP_EC_gen("P-256"), X509_new()};
	X509_NAME *n = X509_get_subject_name(p.cert);

	X509_set_version(p.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(p.cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(p.cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(p.cert), 86400);
	X509_set_pubkey(p.cert, p.key);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"schemagate tests",
	                           -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(p.cert, ca ? X509_get_subject_name(ca->cert) : n);
	add_ext(p.cert, ca ? ca->cert : p.cert, NID_subject_key_identifier, "hash");
	if (!ca) {
		add_ext(p.cert, p.cert, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(p.cert, p.cert, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(p.cert, ca->cert, NID_authority_key_identifier, "keyid:always");
		add_ext(p.cert, ca->cert, NID_basic_constraints, "CA:FALSE");
		add_ext(p.cert, ca->cert, NID_ext_key_usage, "serverAuth,clientAuth");
		if (san)
			add_ext(p.cert, ca->cert, NID_subject_alt_name, san);
	}
	X509_sign(p.cert, ca ? ca->key : p.key, EVP_sha256());
	return p;
}

static void pki_free(struct pki *p)
{
	EVP_PKEY_free(p->key);
	X509_free(p->cert);
}

/* dir/`name`, in a static buffer per call site's use (four in turn). */
static const char *at(const char *name)
{
	static char bufs[4][256];
	static int i;
	char *b = bufs[i++ % 4];
	snprintf(b, 256, "%s/%s", dir, name);
	return b;
}

static int write_certs(const char *name, X509 *a, X509 *b)
{
	FILE *f = fopen(at(name), "w");
	int ok = f && PEM_write_X509(f, a) == 1 && (!b || PEM_write_X509(f, b) == 1);
	if (f)
		fclose(f);
	return ok;
}

static int write_key(const char *name, EVP_PKEY *k)
{
	FILE *f = fopen(at(name), "w");
	int ok = f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
	if (f)
		fclose(f);
	return ok;
}

static int write_text(const char *name, const void *p, size_t n)
{
	FILE *f = fopen(at(name), "w");
	int ok = f && fwrite(p, 1, n, f) == n;
	if (f)
		fclose(f);
	return ok;
}

static X509 *subject_of[16]; /* certificates whose subjects the checks compare */

/* Makes every file the cases use. 1 on success. */
static int make_files(void)
{
	struct pki ca = make_pki("test-ca", NULL, NULL);
	struct pki foreign_ca = make_pki("foreign-ca", NULL, NULL);
	struct pki old_ca = make_pki("cluster-ca v0", NULL, NULL);
	struct pki new_ca = make_pki("cluster-ca v1", NULL, NULL);
	struct pki gw_a = make_pki("gw-a", &ca, "DNS:localhost,IP:127.0.0.1");
	struct pki gw_b = make_pki("gw-b", &ca, "DNS:localhost,IP:127.0.0.1");
	struct pki alice = make_pki("alice", &ca, NULL);
	struct pki mallory = make_pki("mallory", &foreign_ca, NULL);
	struct pki bob = make_pki("bob", &old_ca, NULL);
	struct pki carol = make_pki("carol", &new_ca, NULL);
	struct pki dave = make_pki("dave", &ca, NULL);
	static const unsigned char junk[] = {0x30, 0x82, 0x01, 0x00, 0xff, 0x00, 0x0a, 0x2d, 0x2d};
	int ok = mkdir(at("cadir"), 0700) == 0 && mkdir(at("cadir/nested"), 0700) == 0 &&
	         mkdir(at("emptydir"), 0700) == 0 && write_certs("ca.crt", ca.cert, NULL) &&
	         write_certs("foreign-ca.crt", foreign_ca.cert, NULL) &&
	         write_certs("gw-a.crt", gw_a.cert, NULL) && write_key("gw-a.key", gw_a.key) &&
	         write_certs("gw-b.crt", gw_b.cert, NULL) && write_key("gw-b.key", gw_b.key) &&
	         write_certs("alice.crt", alice.cert, NULL) && write_key("alice.key", alice.key) &&
	         write_certs("mallory.crt", mallory.cert, NULL) &&
	         write_key("mallory.key", mallory.key) && write_certs("bob.crt", bob.cert, NULL) &&
	         write_key("bob.key", bob.key) && write_certs("carol.crt", carol.cert, NULL) &&
	         write_key("carol.key", carol.key) && write_certs("dave.crt", dave.cert, NULL) &&
	         write_key("dave.key", dave.key) &&
	         /* A Strimzi CA Secret mid-renewal: the old and the new CA
	          * under any names, next to files that hold no certificate,
	          * and a folder that is not read. */
	         write_certs("cadir/ca.crt", new_ca.cert, NULL) &&
	         write_certs("cadir/ca-2024-01-01T00-00-00Z.crt", old_ca.cert, NULL) &&
	         write_text("cadir/ca.password", "s3cret\n", 7) &&
	         write_text("cadir/ca.p12", junk, sizeof junk) &&
	         write_certs("cadir/nested/foreign.crt", foreign_ca.cert, NULL) &&
	         write_certs("bundle.crt", old_ca.cert, new_ca.cert);
	subject_of[0] = X509_dup(gw_a.cert);
	subject_of[1] = X509_dup(gw_b.cert);
	subject_of[2] = X509_dup(alice.cert);
	subject_of[3] = X509_dup(bob.cert);
	subject_of[4] = X509_dup(carol.cert);
	pki_free(&ca);
	pki_free(&foreign_ca);
	pki_free(&old_ca);
	pki_free(&new_ca);
	pki_free(&gw_a);
	pki_free(&gw_b);
	pki_free(&alice);
	pki_free(&mallory);
	pki_free(&bob);
	pki_free(&carol);
	pki_free(&dave);
	return ok;
}
enum { GW_A, GW_B, ALICE, BOB, CAROL };

/* 1 when DER bytes `der` (from loop_conn_peer_subject) are the subject of
 * certificate `who`. */
static int subject_is(const uint8_t *der, size_t len, int who)
{
	const unsigned char *p = der;
	X509_NAME *n = der ? d2i_X509_NAME(NULL, &p, (long)len) : NULL;
	int same = n && tls_name_der_equal(n, X509_get_subject_name(subject_of[who]));
	X509_NAME_free(n);
	return same;
}

static void remove_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];
	while (d && (e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			remove_files(sub);
		else
			unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* Contexts. */

static struct tls_ctx *server_ctx(const char *cert, const char *key, const char *client_ca,
                                  enum tls_client_auth auth, struct sg_error *err)
{
	struct tls_server_options o = {cert, key, client_ca, auth, TLS_MIN_1_2};
	error_clear(err);
	return tls_server_new(&o, err);
}

/* The listener's usual context: certificate gw-a, no client certificates. */
static struct tls_ctx *server_a(struct sg_error *err)
{
	return server_ctx(at("gw-a.crt"), at("gw-a.key"), NULL, TLS_CLIENT_AUTH_NONE, err);
}

static struct tls_ctx *client_ctx(const char *ca, int insecure, const char *who)
{
	char cert[256], key[256];
	struct tls_client_options o = {ca, insecure, NULL, NULL, TLS_MIN_1_2};
	struct sg_error err;
	struct tls_ctx *t;
	if (who) {
		snprintf(cert, sizeof cert, "%s/%s.crt", dir, who);
		snprintf(key, sizeof key, "%s/%s.key", dir, who);
		o.cert_file = cert;
		o.key_file = key;
	}
	error_clear(&err);
	t = tls_client_new(&o, &err);
	if (!t)
		tap_diag("tls_client_new: %s", err.msg);
	return t;
}

/* The sides of a case: every connection the loop made, with what it saw. */

#define SIDES 256
struct side {
	struct loop_conn *c;
	int server;        /* accepted */
	int connected;     /* `connected` calls */
	int closed;        /* `closed` was called */
	char why[300];     /* its reason */
	int frames;        /* frames delivered */
	int bad;           /* a frame that was not the one expected */
	int subject;       /* the peer's subject at `connected`: -1 none, else GW_A.. or 99 other */
	struct side *link; /* the proxy's other side */
};
static struct side sides[SIDES];
static int nsides;
static int (*case_done)(void);
static int timed_out;

static struct side *side_new(int server)
{
	struct side *s;
	if (nsides == SIDES)
		return NULL;
	s = &sides[nsides++];
	memset(s, 0, sizeof *s);
	s->server = server;
	s->subject = -1;
	return s;
}

static void check_done(void)
{
	if (case_done && case_done()) {
		case_done = NULL;
		loop_stop(lp);
	}
}

static void watchdog(void *arg)
{
	timed_out = 1;
	case_done = NULL;
	loop_stop(lp);
}

/* Asks `done` every 10 ms too, for what a client thread does. */
static struct loop_timer *poll_timer;

static void poll_done(void *arg)
{
	check_done();
	loop_timer_start(poll_timer, 10);
}

/* Runs the loop until `done` says so or `ms` pass. 1 when done in time. */
static int run_until(int (*done)(void), unsigned ms)
{
	struct sg_error err;
	struct loop_timer *t = loop_timer_new(lp, watchdog, NULL, &err);
	poll_timer = loop_timer_new(lp, poll_done, NULL, &err);
	timed_out = 0;
	case_done = done;
	loop_timer_start(t, ms);
	loop_timer_start(poll_timer, 10);
	if (!done())
		loop_run(lp, &err);
	case_done = NULL;
	loop_timer_free(t);
	loop_timer_free(poll_timer);
	poll_timer = NULL;
	return !timed_out;
}

/* Closes every connection left and forgets the sides. */
static void close_all(void)
{
	for (int i = 0; i < nsides; i++)
		if (sides[i].c && !sides[i].closed)
			loop_conn_close(sides[i].c);
	nsides = 0;
}

static void side_connected(struct loop_conn *c, void *arg)
{
	struct side *s = arg;
	size_t len = 0;
	const uint8_t *der = loop_conn_peer_subject(c, &len);
	s->connected++;
	s->subject = -1;
	for (int who = GW_A; der && who <= CAROL; who++)
		if (subject_is(der, len, who))
			s->subject = who;
	if (der && s->subject < 0)
		s->subject = 99;
	check_done();
}

static void side_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	struct side *s = arg;
	s->closed = 1;
	s->c = NULL;
	snprintf(s->why, sizeof s->why, "%s", why);
	if (s->link && s->link->c) { /* the proxy closes its other side */
		loop_conn_close(s->link->c);
		s->link->c = NULL;
		s->link->closed = 1;
		snprintf(s->link->why, sizeof s->link->why, "closed with its other side");
	}
	check_done();
}

/* Listeners: each accepts with the context *ctx (NULL: plaintext). */
struct lcfg {
	struct tls_ctx **ctx;
	const struct loop_conn_ops *ops;
	struct loop_limits lim;
};

static void on_accept(void *arg, int fd, const char *peer)
{
	struct lcfg *cfg = arg;
	struct side *s = side_new(1);
	struct sg_error err;
	error_clear(&err);
	if (!s) {
		close(fd);
		return;
	}
	s->c = cfg->ctx
	           ? loop_conn_accept_tls(lp, fd, peer, *cfg->ctx, cfg->ops, s, &cfg->lim, &err)
	           : loop_conn_accept(lp, fd, peer, cfg->ops, s, &cfg->lim, &err);
	if (!s->c)
		tap_diag("accept failed: %s", err.msg);
}

static struct loop_listener *listen_with(struct lcfg *cfg, int *port)
{
	struct sg_error err;
	struct loop_listener *ls;
	error_clear(&err);
	ls = loop_listen(lp, "127.0.0.1", 0, on_accept, cfg, &err);
	*port = ls ? loop_listener_port(ls) : 0;
	if (!ls)
		tap_diag("listen: %s", err.msg);
	return ls;
}

/* The echo server: every frame goes back as it came. */
static void echo_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	s->frames++;
	if (loop_conn_write_frame(c, p, len) != 0)
		s->bad++;
	check_done();
}

static const struct loop_conn_ops echo_ops = {
    .frame = echo_frame, .connected = side_connected, .closed = side_closed};

/* Probes: a loop TLS client connects, sends "hello" once connected and
 * waits for it back; or one side fails. */

static struct side *probe_client;

static void probe_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	s->frames++;
	if (len != 5 || memcmp(p, "hello", 5) != 0)
		s->bad++;
	check_done();
}

static void probe_connected(struct loop_conn *c, void *arg)
{
	side_connected(c, arg);
	loop_conn_write_frame(c, "hello", 5);
}

static const struct loop_conn_ops probe_ops = {
    .frame = probe_frame, .connected = probe_connected, .closed = side_closed};

static int probe_first; /* the first side of the probe */

static int probe_done(void)
{
	if (probe_client->frames > 0)
		return 1;
	if (!probe_client->closed)
		return 0;
	for (int i = probe_first; i < nsides; i++)
		if (sides[i].server && !sides[i].closed)
			return 0;
	return 1;
}

struct probe {
	int ok;            /* the echo came back */
	int connected;     /* the client's `connected` */
	int subject;       /* the server's certificate seen by the client */
	char why[300];     /* how the client ended, if it did */
	int srv_connected; /* the server's `connected` */
	int srv_subject;   /* the client's certificate seen by the server */
	char srv_why[300]; /* how the server side ended, if it did */
};

/* Connects to `port` with `cli` expecting the server to be `name`, and
 * runs until the echo or the end. With `keep` the connections stay open
 * (close_all() closes them later). */
static struct probe probe_keep(int port, struct tls_ctx *cli, const char *name, int keep)
{
	struct probe r;
	struct sg_error err;

	memset(&r, 0, sizeof r);
	probe_first = nsides;
	probe_client = side_new(0);
	error_clear(&err);
	probe_client->c = loop_conn_connect_tls(lp, "127.0.0.1", port, cli, name, &probe_ops,
	                                        probe_client, NULL, &err);
	if (!probe_client->c) {
		snprintf(r.why, sizeof r.why, "connect: %.200s", err.msg);
		return r;
	}
	if (!run_until(probe_done, 5000))
		snprintf(r.why, sizeof r.why, "timed out");
	r.ok = probe_client->frames == 1 && !probe_client->bad;
	r.connected = probe_client->connected;
	r.subject = probe_client->subject;
	if (probe_client->closed)
		snprintf(r.why, sizeof r.why, "%s", probe_client->why);
	r.srv_subject = -1;
	for (int i = probe_first; i < nsides; i++)
		if (sides[i].server) {
			r.srv_connected += sides[i].connected;
			r.srv_subject = sides[i].subject;
			if (sides[i].closed)
				snprintf(r.srv_why, sizeof r.srv_why, "%s", sides[i].why);
		}
	if (!r.ok)
		tap_diag("probe: client \"%s\", server \"%s\" (frames %d, bad %d)", r.why,
		         r.srv_why, probe_client->frames, probe_client->bad);
	if (!keep)
		close_all();
	return r;
}

static struct probe probe(int port, struct tls_ctx *cli, const char *name)
{
	return probe_keep(port, cli, name, 0);
}

/* Cases with loop clients. */

static void handshake_cases(void)
{
	struct sg_error err;
	struct tls_ctx *srv = server_a(&err);
	struct tls_ctx *cli = client_ctx(at("ca.crt"), 0, NULL);
	struct tls_ctx *insecure = client_ctx(NULL, 1, NULL);
	struct tls_ctx *stranger = client_ctx(at("foreign-ca.crt"), 0, NULL);
	struct lcfg cfg = {&srv, &echo_ops, {0}};
	struct loop_listener *ls;
	struct probe r;
	int port;

	if (!tap_ok(srv && cli && insecure && stranger, "server and client contexts"))
		return;
	ls = listen_with(&cfg, &port);

	r = probe(port, cli, NULL);
	tap_ok(r.ok, "a TLS client and a TLS listener of the loop exchange a frame");
	tap_ok(r.connected == 1 && r.subject == GW_A,
	       "the client's `connected` fires once, after the handshake (the server's subject "
	       "is known)");
	tap_ok(r.srv_connected == 1, "an accepted TLS connection reports `connected` after its "
	                             "handshake");
	tap_is_int(r.srv_subject, -1, "no client certificate: no peer subject");

	r = probe(port, cli, "wrong.example");
	tap_ok(!r.ok && !r.connected, "a server certificate for another name is refused");
	tap_ok(strstr(r.why, "TLS handshake failed: certificate verify failed") &&
	           strstr(r.why, "hostname mismatch"),
	       "`closed` says why: %s", r.why);
	r = probe(port, cli, "localhost");
	tap_ok(r.ok, "the name in the certificate (DNS localhost) is accepted");
	r = probe(port, insecure, "wrong.example");
	tap_ok(r.ok, "the insecure option connects whatever the name");
	r = probe(port, stranger, NULL);
	tap_ok(!r.ok && strstr(r.why, "certificate verify failed"),
	       "a server certificate from a CA not trusted is refused: %s", r.why);
	r = probe(port, insecure, NULL);
	tap_ok(r.ok, "the insecure option connects whatever the CA");

	loop_listener_free(ls);
	tls_ctx_free(srv);
	tls_ctx_free(cli);
	tls_ctx_free(insecure);
	tls_ctx_free(stranger);
}

static void client_auth_cases(void)
{
	struct sg_error err;
	struct tls_ctx *req = server_ctx(at("gw-a.crt"), at("gw-a.key"), at("ca.crt"),
	                                 TLS_CLIENT_AUTH_REQUIRED, &err);
	struct tls_ctx *opt = server_ctx(at("gw-a.crt"), at("gw-a.key"), at("ca.crt"),
	                                 TLS_CLIENT_AUTH_REQUESTED, &err);
	struct tls_ctx *anon = client_ctx(at("ca.crt"), 0, NULL);
	struct tls_ctx *alice = client_ctx(at("ca.crt"), 0, "alice");
	struct tls_ctx *mallory = client_ctx(at("ca.crt"), 0, "mallory");
	struct lcfg cfg_req = {&req, &echo_ops, {0}};
	struct lcfg cfg_opt = {&opt, &echo_ops, {0}};
	struct loop_listener *ls_req, *ls_opt;
	struct probe r;
	int port_req, port_opt;

	if (!tap_ok(req && opt && anon && alice && mallory, "contexts with client certificates"))
		return;
	ls_req = listen_with(&cfg_req, &port_req);
	ls_opt = listen_with(&cfg_opt, &port_opt);

	r = probe(port_req, anon, NULL);
	tap_ok(!r.ok && r.srv_connected == 0,
	       "client auth required: a client with no certificate is refused at the handshake");
	tap_ok(strstr(r.srv_why, "TLS handshake failed: ") && strstr(r.srv_why, "certificate"),
	       "the server side's `closed` says why: %s", r.srv_why);
	tap_ok(r.why[0] != 0, "and the client ends too: %s", r.why);
	r = probe(port_req, mallory, NULL);
	tap_ok(!r.ok && r.srv_connected == 0, "a client certificate from a foreign CA is refused");
	tap_ok(strstr(r.srv_why, "TLS handshake failed: certificate verify failed") != NULL,
	       "the server side's `closed` says why: %s", r.srv_why);
	r = probe(port_req, alice, NULL);
	tap_ok(r.ok && r.srv_connected == 1, "a client certificate from the CA is accepted");
	tap_is_int(r.srv_subject, ALICE,
	           "its subject is read as DER once handshaken and equals the certificate's");

	r = probe(port_opt, anon, NULL);
	tap_ok(r.ok && r.srv_subject == -1,
	       "client auth requested: a client with no certificate is accepted, with no subject");
	r = probe(port_opt, mallory, NULL);
	tap_ok(!r.ok, "and one with a certificate from a foreign CA is refused");
	r = probe(port_opt, alice, NULL);
	tap_ok(r.ok && r.srv_subject == ALICE, "and a good one accepted with its subject");

	loop_listener_free(ls_req);
	loop_listener_free(ls_opt);
	tls_ctx_free(req);
	tls_ctx_free(opt);
	tls_ctx_free(anon);
	tls_ctx_free(alice);
	tls_ctx_free(mallory);
}

static void ca_dir_cases(void)
{
	struct sg_error err;
	struct tls_ctx *by_dir =
	    server_ctx(at("gw-a.crt"), at("gw-a.key"), at("cadir"), TLS_CLIENT_AUTH_REQUIRED, &err);
	struct tls_ctx *by_bundle = server_ctx(at("gw-a.crt"), at("gw-a.key"), at("bundle.crt"),
	                                       TLS_CLIENT_AUTH_REQUIRED, &err);
	struct tls_ctx *bob = client_ctx(at("ca.crt"), 0, "bob");
	struct tls_ctx *carol = client_ctx(at("ca.crt"), 0, "carol");
	struct tls_ctx *mallory = client_ctx(at("ca.crt"), 0, "mallory");
	struct lcfg cfg_dir = {&by_dir, &echo_ops, {0}};
	struct lcfg cfg_bundle = {&by_bundle, &echo_ops, {0}};
	struct loop_listener *ls_dir, *ls_bundle;
	struct tls_ctx *t;
	struct probe r;
	int port_dir, port_bundle;

	if (!tap_ok(by_dir && by_bundle && bob && carol && mallory,
	            "a client CA from a directory (with non-certificate files) and from a bundle"))
		return;
	ls_dir = listen_with(&cfg_dir, &port_dir);
	ls_bundle = listen_with(&cfg_bundle, &port_bundle);
	r = probe(port_dir, bob, NULL);
	tap_ok(r.ok && r.srv_subject == BOB, "CA directory: a client of the old CA is accepted");
	r = probe(port_dir, carol, NULL);
	tap_ok(r.ok && r.srv_subject == CAROL, "CA directory: a client of the new CA is accepted");
	r = probe(port_dir, mallory, NULL);
	tap_ok(!r.ok, "CA directory: a foreign client is refused (sub-folders are not read)");
	r = probe(port_bundle, bob, NULL);
	tap_ok(r.ok, "CA bundle file: a client of the first CA in it is accepted");
	r = probe(port_bundle, carol, NULL);
	tap_ok(r.ok, "CA bundle file: a client of the second CA in it is accepted");

	t = server_ctx(at("gw-a.crt"), at("gw-a.key"), at("emptydir"), TLS_CLIENT_AUTH_REQUIRED,
	               &err);
	tap_ok(!t && strstr(err.msg, "no PEM certificate"),
	       "a CA directory with no certificate is an error: %s", err.msg);
	tls_ctx_free(t);
	t = server_ctx(at("gw-a.crt"), at("gw-a.key"), at("missing.crt"), TLS_CLIENT_AUTH_REQUIRED,
	               &err);
	tap_ok(!t && strstr(err.msg, "missing.crt"), "a missing CA is an error: %s", err.msg);
	tls_ctx_free(t);
	t = server_ctx(at("gw-a.crt"), at("gw-a.key"), NULL, TLS_CLIENT_AUTH_REQUIRED, &err);
	tap_ok(!t && err.code == SG_EUNPROCESSABLE, "client auth without a CA is an error: %s",
	       err.msg);
	tls_ctx_free(t);

	loop_listener_free(ls_dir);
	loop_listener_free(ls_bundle);
	tls_ctx_free(by_dir);
	tls_ctx_free(by_bundle);
	tls_ctx_free(bob);
	tls_ctx_free(carol);
	tls_ctx_free(mallory);
}

/* Rotation: the listener accepts with whatever context `current` holds. */
static struct tls_ctx *current;
static struct side *held;

static int held_twice(void)
{
	return held->frames == 2 || held->closed;
}

static void rotation_cases(void)
{
	struct sg_error err;
	struct tls_ctx *cli = client_ctx(at("ca.crt"), 0, NULL), *next;
	struct lcfg cfg = {&current, &echo_ops, {0}};
	struct loop_listener *ls;
	struct probe r;
	int port;

	current = server_a(&err);
	if (!tap_ok(current && cli, "contexts for the rotation"))
		return;
	ls = listen_with(&cfg, &port);

	/* A client that stays connected across the rotation. */
	r = probe_keep(port, cli, NULL, 1);
	held = probe_client;
	tap_ok(r.ok && r.subject == GW_A,
	       "before the rotation a client is served with the first certificate");

	next = server_ctx(at("gw-b.crt"), at("gw-a.key"), NULL, TLS_CLIENT_AUTH_NONE, &err);
	tap_ok(!next && strstr(err.msg, "mismatch"),
	       "a reload with a key that does not match fails: %s", err.msg);
	next = server_ctx(at("nothing.crt"), at("gw-b.key"), NULL, TLS_CLIENT_AUTH_NONE, &err);
	tap_ok(!next && strstr(err.msg, "nothing.crt"),
	       "a reload from a missing file fails (the caller keeps the old context): %s",
	       err.msg);
	next = server_ctx(at("gw-b.crt"), at("gw-b.key"), NULL, TLS_CLIENT_AUTH_NONE, &err);
	tap_ok(next != NULL, "a reload from the new files succeeds");
	tls_ctx_free(current); /* connections made from it keep their reference */
	current = next;

	r = probe_keep(port, cli, NULL, 1);
	tap_ok(r.ok && r.subject == GW_B, "a new connection gets the new certificate");
	tap_ok(held->c && loop_conn_write_frame(held->c, "hello", 5) == 0 &&
	           run_until(held_twice, 5000) && held->frames == 2 && !held->bad,
	       "a connection made before the rotation (its context freed) still works");
	close_all();
	loop_listener_free(ls);
	tls_ctx_free(current);
	current = NULL;
	tls_ctx_free(cli);
}

/* Frames of a case: frame `k` of `len` bytes has a pattern of its own. */
static void pattern(uint8_t *p, size_t len, int k)
{
	for (size_t j = 0; j < len; j++)
		p[j] = (uint8_t)(k * 131 + j * 7 + (j >> 9));
}

static int is_pattern(const uint8_t *p, size_t len, int k)
{
	for (size_t j = 0; j < len; j++)
		if (p[j] != (uint8_t)(k * 131 + j * 7 + (j >> 9)))
			return 0;
	return 1;
}

/* A loop client sends frames of the sizes in `sizes` (`window` at most in
 * flight) and checks each one comes back unchanged and in order. */
static const size_t *bulk_sizes;
static int bulk_count, bulk_window, bulk_sent;
static uint8_t *bulk_buf;

static void bulk_send(struct loop_conn *c)
{
	struct side *s = NULL;
	for (int i = 0; i < nsides; i++)
		if (sides[i].c == c)
			s = &sides[i];
	while (bulk_sent < bulk_count && bulk_sent - (s ? s->frames : 0) < bulk_window) {
		pattern(bulk_buf, bulk_sizes[bulk_sent], bulk_sent);
		if (loop_conn_write_frame(c, bulk_buf, bulk_sizes[bulk_sent]) != 0 && s)
			s->bad++;
		bulk_sent++;
	}
}

static void bulk_connected(struct loop_conn *c, void *arg)
{
	side_connected(c, arg);
	bulk_send(c);
}

static void bulk_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	int k = s->frames++;
	if (k >= bulk_count || len != bulk_sizes[k] || !is_pattern(p, len, k))
		s->bad++;
	bulk_send(c);
	check_done();
}

static const struct loop_conn_ops bulk_ops = {
    .frame = bulk_frame, .connected = bulk_connected, .closed = side_closed};

static struct side *bulk_client;

static int bulk_done(void)
{
	return bulk_client->frames == bulk_count || bulk_client->closed || bulk_client->bad;
}

/* Runs a bulk client against `port`; 1 when every frame came back. */
static int bulk(int port, struct tls_ctx *cli, const size_t *sizes, int count, int window)
{
	struct loop_limits lim = {.max_frame = (size_t)8 << 20};
	struct sg_error err;
	size_t most = 0;
	int ok;

	for (int i = 0; i < count; i++)
		most = sizes[i] > most ? sizes[i] : most;
	bulk_buf = malloc(most);
	bulk_sizes = sizes;
	bulk_count = count;
	bulk_window = window;
	bulk_sent = 0;
	bulk_client = side_new(0);
	error_clear(&err);
	bulk_client->c = loop_conn_connect_tls(lp, "127.0.0.1", port, cli, NULL, &bulk_ops,
	                                       bulk_client, &lim, &err);
	ok = bulk_buf && bulk_client->c && run_until(bulk_done, 60000) &&
	     bulk_client->frames == count && !bulk_client->bad;
	if (!ok)
		tap_diag("bulk: %d of %d frames back, %d bad, %s", bulk_client->frames, count,
		         bulk_client->bad, bulk_client->why);
	close_all();
	free(bulk_buf);
	bulk_buf = NULL;
	return ok;
}

static void bulk_cases(void)
{
	static size_t mib[64];
	struct sg_error err;
	struct tls_ctx *srv = server_a(&err);
	struct tls_ctx *cli = client_ctx(at("ca.crt"), 0, NULL);
	struct lcfg cfg = {&srv, &echo_ops, {.max_frame = (size_t)2 << 20}};
	int port;
	struct loop_listener *ls = listen_with(&cfg, &port);

	for (int i = 0; i < 64; i++)
		mib[i] = (size_t)1 << 20;
	tap_ok(srv && cli && ls && bulk(port, cli, mib, 64, 8),
	       "64 frames of 1 MiB echoed through TLS arrive unchanged and in order");
	loop_listener_free(ls);
	tls_ctx_free(srv);
	tls_ctx_free(cli);
}

/* Streaming between TLS and plaintext: a small proxy. Its TLS listener
 * opens the upstream once a client's handshake is done, and streams each
 * large frame client -> upstream and upstream -> client as it arrives; the
 * upstream echo server streams each large frame back to its sender. */
static int up_port;
static struct tls_ctx *up_tls; /* NULL: the upstream is plaintext */
static struct tls_ctx *proxy_cli;
static const struct loop_conn_ops proxy_up_ops;
static const struct loop_limits proxy_lim = {
    .max_frame = (size_t)8 << 20, .out_high = (size_t)256 << 10, .out_low = (size_t)64 << 10};

static void self_head(struct loop_conn *c, void *arg, const uint8_t *p, size_t avail, size_t len)
{
	if (loop_conn_stream_frame(c, c) != 0)
		((struct side *)arg)->bad++;
}

static const struct loop_conn_ops self_stream_ops = {
    .frame = echo_frame, .frame_head = self_head, .closed = side_closed};

static void proxy_connected(struct loop_conn *c, void *arg)
{
	struct side *g = arg, *u = side_new(0);
	struct sg_error err;
	error_clear(&err);
	side_connected(c, arg);
	if (!u)
		return;
	u->c = up_tls ? loop_conn_connect_tls(lp, "127.0.0.1", up_port, proxy_cli, NULL,
	                                      &proxy_up_ops, u, &proxy_lim, &err)
	              : loop_conn_connect(lp, "127.0.0.1", up_port, &proxy_up_ops, u, &proxy_lim,
	                                  &err);
	g->link = u;
	u->link = g;
}

static void proxy_head(struct loop_conn *c, void *arg, const uint8_t *p, size_t avail, size_t len)
{
	struct side *s = arg;
	if (!s->link || !s->link->c || loop_conn_stream_frame(c, s->link->c) != 0)
		s->bad++;
}

static void proxy_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	s->frames++;
	if (!s->link || !s->link->c || loop_conn_forward_frame(c, s->link->c) != 0)
		s->bad++;
}

static const struct loop_conn_ops proxy_client_ops = {.frame = proxy_frame,
                                                      .frame_head = proxy_head,
                                                      .connected = proxy_connected,
                                                      .closed = side_closed};
static const struct loop_conn_ops proxy_up_ops = {
    .frame = proxy_frame, .frame_head = proxy_head, .closed = side_closed};

static void stream_cases(void)
{
	static const size_t sizes[] = {3 << 20, 1 << 20, 10, 5 << 20, 100 << 10, 70000, 4};
	int n = (int)(sizeof sizes / sizeof sizes[0]);
	struct sg_error err;
	struct tls_ctx *srv = server_a(&err);
	struct tls_ctx *cli = client_ctx(at("ca.crt"), 0, NULL);
	struct lcfg cfg_proxy = {&srv, &proxy_client_ops, proxy_lim};
	struct lcfg cfg_plain = {NULL, &self_stream_ops, proxy_lim};
	struct lcfg cfg_tls = {&srv, &self_stream_ops, proxy_lim};
	struct loop_listener *ls_proxy, *ls_plain, *ls_tls;
	int port_proxy, port_plain, port_tls;

	if (!tap_ok(srv && cli, "contexts for streaming"))
		return;
	proxy_cli = cli;
	ls_proxy = listen_with(&cfg_proxy, &port_proxy);
	ls_plain = listen_with(&cfg_plain, &port_plain);
	ls_tls = listen_with(&cfg_tls, &port_tls);

	up_tls = NULL;
	up_port = port_plain;
	tap_ok(bulk(port_proxy, cli, sizes, n, n),
	       "frames streamed TLS -> plaintext, spliced back by a plaintext echo, and streamed "
	       "plaintext -> TLS arrive unchanged and in order");
	up_tls = srv;
	up_port = port_tls;
	tap_ok(bulk(port_proxy, cli, sizes, n, n),
	       "frames streamed TLS -> TLS, and back by a TLS echo to itself, arrive unchanged "
	       "and in order");

	loop_listener_free(ls_proxy);
	loop_listener_free(ls_plain);
	loop_listener_free(ls_tls);
	tls_ctx_free(srv);
	tls_ctx_free(cli);
}

/* A blocking OpenSSL client on its own thread, for exact control of
 * records and reads. */

static SSL_CTX *bc_ctx;

/* Exchanges bc_ctx with *other (bc_dial() then dials with it). */
static void bc_ctx_swap(SSL_CTX **other)
{
	SSL_CTX *t = bc_ctx;
	bc_ctx = *other;
	*other = t;
}

/* Connects to 127.0.0.1:`port` and handshakes (TLS 1.2 at most when
 * `tls12`); `rcvbuf` non-zero sets SO_RCVBUF first. NULL on failure. */
static SSL *bc_dial(int port, int rcvbuf, int tls12)
{
	struct sockaddr_in sa;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *s;

	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return NULL;
	}
	s = SSL_new(bc_ctx);
	SSL_set_fd(s, fd);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), "127.0.0.1");
	if (tls12)
		SSL_set_max_proto_version(s, TLS1_2_VERSION);
	if (SSL_connect(s) != 1) {
		SSL_free(s);
		close(fd);
		ERR_clear_error();
		return NULL;
	}
	return s;
}

static void bc_close(SSL *s)
{
	int fd;
	if (!s)
		return;
	fd = SSL_get_fd(s);
	SSL_free(s);
	close(fd);
	ERR_clear_error();
}

/* Writes `n` bytes in one SSL_write (one record when n <= 16 KiB). */
static int bc_write(SSL *s, const void *p, size_t n)
{
	size_t w = 0;
	return SSL_write_ex(s, p, n, &w) == 1 && w == n;
}

static int bc_read(SSL *s, uint8_t *p, size_t n)
{
	size_t got = 0, r;
	while (got < n) {
		if (SSL_read_ex(s, p + got, n - got, &r) != 1)
			return 0;
		got += r;
	}
	return 1;
}

/* Reads one frame into `p` (at most `cap` bytes); its length, or -1. */
static long bc_read_frame(SSL *s, uint8_t *p, size_t cap)
{
	uint8_t h[4];
	size_t len;
	if (!bc_read(s, h, 4))
		return -1;
	len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	if (len > cap || !bc_read(s, p, len))
		return -1;
	return (long)len;
}

static size_t framed(uint8_t *out, uint32_t len, const void *p)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	memcpy(out + 4, p, len);
	return 4 + (size_t)len;
}

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static atomic_int thread_done;
static void (*thread_fn)(void);

static int thread_finished(void)
{
	return thread_done;
}

static void *thread_main(void *arg)
{
	thread_fn();
	thread_done = 1;
	return NULL;
}

/* Runs `fn` on a thread while the loop runs, until it returns. */
static void with_thread(void (*fn)(void))
{
	pthread_t th;
	thread_done = 0;
	thread_fn = fn;
	pthread_create(&th, NULL, thread_main, NULL);
	run_until(thread_finished, 30000);
	pthread_join(th, NULL);
	close_all();
}

/* Pending bytes: 20 frames of 32 bytes in one record, to a listener whose
 * frame limit is 32: each read takes one frame (36 bytes) out of OpenSSL
 * and leaves the rest inside it, where the socket does not announce it. */
#define PEND_N 20
static int pend_pause;  /* pause the connection on its first frame */
static int pend_paused; /* the connection is held paused */
static int pend_early;  /* frames delivered while paused */
static int pend_frames; /* frames delivered in order */
static struct loop_conn *pend_conn;
static struct loop_timer *pend_timer;

static void pend_resume(void *arg)
{
	pend_paused = 0;
	if (pend_conn)
		loop_conn_resume(pend_conn);
}

static void pend_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	char want[33];
	snprintf(want, sizeof want, "burst frame %02d in one TLS record", pend_frames);
	if (pend_paused)
		pend_early++;
	if (len == 32 && !memcmp(p, want, 32))
		pend_frames++;
	if (pend_pause && pend_frames == 1 && !pend_conn) {
		pend_conn = c;
		pend_paused = 1;
		loop_conn_pause(c);
		loop_timer_start(pend_timer, 150);
	}
	if (pend_frames == PEND_N)
		loop_conn_write_frame(c, "all", 3);
}

static const struct loop_conn_ops pend_ops = {.frame = pend_frame, .closed = side_closed};

static int pend_port;
static atomic_int pend_ok;

static void pend_client(void)
{
	uint8_t buf[PEND_N * 36], back[16];
	size_t n = 0;
	SSL *s = bc_dial(pend_port, 0, 0);
	for (int i = 0; i < PEND_N; i++) {
		char f[33];
		snprintf(f, sizeof f, "burst frame %02d in one TLS record", i);
		n += framed(buf + n, 32, f);
	}
	pend_ok = s && bc_write(s, buf, n) && bc_read_frame(s, back, sizeof back) == 3 &&
	          !memcmp(back, "all", 3);
	bc_close(s);
}

static void pending_cases(void)
{
	struct sg_error err;
	struct tls_ctx *srv = server_a(&err);
	struct lcfg cfg = {&srv, &pend_ops, {.max_frame = 32}};
	struct loop_listener *ls = listen_with(&cfg, &pend_port);

	pend_timer = loop_timer_new(lp, pend_resume, NULL, &err);
	pend_pause = 0;
	pend_frames = 0;
	with_thread(pend_client);
	tap_ok(pend_ok && pend_frames == PEND_N,
	       "frames left decrypted inside OpenSSL by a read that stopped at its room are "
	       "read on (%d of %d, the reply %s)",
	       pend_frames, PEND_N, pend_ok ? "in time" : "late");

	pend_pause = 1;
	pend_frames = pend_early = 0;
	pend_conn = NULL;
	with_thread(pend_client);
	tap_ok(pend_ok && pend_frames == PEND_N,
	       "paused on the first frame with the rest inside OpenSSL: after the resume every "
	       "frame arrives, in order (%d of %d, the reply %s)",
	       pend_frames, PEND_N, pend_ok ? "in time" : "late");
	tap_is_int(pend_early, 0, "no frame is delivered while paused");
	pend_conn = NULL;

	loop_timer_free(pend_timer);
	loop_listener_free(ls);
	tls_ctx_free(srv);
}

/* A reader that reads late: the server writes 8 MiB in frames of 512 KiB,
 * two every 10 ms, to a client with a 4 KiB receive buffer that reads
 * nothing for half a second: TLS writes stop part-way and are retried while
 * more output piles up behind them. Then "bye" and a close after the flush. */
#define FLOOD_N   16
#define FLOOD_LEN ((size_t)512 << 10)
static struct side *flood_side;
static struct loop_timer *flood_timer;
static int flood_written, flood_congested, flood_drained;
static uint8_t *flood_buf;

static void flood_tick(void *arg)
{
	struct loop_conn *c = flood_side ? flood_side->c : NULL;
	if (!c)
		return;
	for (int i = 0; i < 2 && flood_written < FLOOD_N; i++, flood_written++) {
		pattern(flood_buf, FLOOD_LEN, flood_written);
		loop_conn_write_frame(c, flood_buf, FLOOD_LEN);
	}
	if (loop_conn_congested(c))
		flood_congested = 1;
	if (flood_written < FLOOD_N) {
		loop_timer_start(flood_timer, 10);
		return;
	}
	loop_conn_write_frame(c, "bye", 3);
	loop_conn_close_after_flush(c); /* the loop owns it now */
	flood_side->c = NULL;
	flood_side->closed = 1;
	flood_side = NULL;
}

static void flood_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	if (len == 5 && !memcmp(p, "flood", 5) && !flood_side) {
		flood_side = arg;
		flood_written = 0;
		flood_tick(NULL);
	}
}

static void flood_drain(struct loop_conn *c, void *arg)
{
	flood_drained++;
}

static const struct loop_conn_ops flood_ops = {
    .frame = flood_frame, .drained = flood_drain, .closed = side_closed};

static int flood_port;
static atomic_int flood_same, flood_clean_close;

static void flood_client(void)
{
	uint8_t req[16], *b = malloc(FLOOD_LEN), *want = malloc(FLOOD_LEN);
	SSL *s = bc_dial(flood_port, 4096, 0);
	int same = s && b && want && bc_write(s, req, framed(req, 5, "flood"));
	size_t r;

	pause_ms(500);
	for (int k = 0; same && k < FLOOD_N; k++) {
		pattern(want, FLOOD_LEN, k);
		same = bc_read_frame(s, b, FLOOD_LEN) == (long)FLOOD_LEN &&
		       !memcmp(b, want, FLOOD_LEN);
		if (k < 2)
			pause_ms(30); /* slowly at first */
	}
	flood_same = same && bc_read_frame(s, b, 16) == 3 && !memcmp(b, "bye", 3);
	/* The close after the flush is a TLS close_notify, not a bare EOF. */
	flood_clean_close =
	    s && SSL_read_ex(s, b, 16, &r) == 0 && SSL_get_error(s, 0) == SSL_ERROR_ZERO_RETURN;
	bc_close(s);
	free(b);
	free(want);
}

static void slow_reader_cases(void)
{
	struct sg_error err;
	struct tls_ctx *srv = server_a(&err);
	struct lcfg cfg = {&srv,
	                   &flood_ops,
	                   {.max_frame = (size_t)1 << 20,
	                    .out_high = (size_t)1 << 20,
	                    .out_low = (size_t)256 << 10}};
	struct loop_listener *ls = listen_with(&cfg, &flood_port);

	flood_timer = loop_timer_new(lp, flood_tick, NULL, &err);
	flood_buf = malloc(FLOOD_LEN);
	with_thread(flood_client);
	tap_ok(flood_same, "8 MiB written through TLS to a peer that reads late and slowly "
	                   "arrive whole, unchanged and in order");
	tap_ok(flood_congested && flood_drained > 0,
	       "the output went over its high mark and `drained` followed (%d)", flood_drained);
	tap_ok(flood_clean_close, "close_after_flush ends with a TLS close_notify");
	free(flood_buf);
	loop_timer_free(flood_timer);
	loop_listener_free(ls);
	tls_ctx_free(srv);
}

/* Protocol versions, with the blocking client capped at TLS 1.2. */
static int version_port;
static atomic_int version_got;

static void version_client(void)
{
	uint8_t req[16], back[16];
	SSL *s = bc_dial(version_port, 0, 1);
	version_got = !s                                 ? -1
	              : SSL_version(s) != TLS1_2_VERSION ? -2
	              : bc_write(s, req, framed(req, 5, "hello")) &&
	                      bc_read_frame(s, back, sizeof back) == 5 && !memcmp(back, "hello", 5)
	                  ? 1
	                  : 0;
	bc_close(s);
}

static void version_cases(void)
{
	struct sg_error err;
	struct tls_ctx *v12 = server_a(&err);
	struct tls_server_options o13 = {at("gw-a.crt"), at("gw-a.key"), NULL, TLS_CLIENT_AUTH_NONE,
	                                 TLS_MIN_1_3};
	struct tls_ctx *v13 = tls_server_new(&o13, &err);
	struct lcfg cfg12 = {&v12, &echo_ops, {0}}, cfg13 = {&v13, &echo_ops, {0}};
	struct loop_listener *ls12 = listen_with(&cfg12, &version_port);
	struct side *srv_side;

	with_thread(version_client);
	tap_is_int(version_got, 1, "a TLS 1.2 client is served by default (frames echoed)");
	loop_listener_free(ls12);
	ls12 = listen_with(&cfg13, &version_port);
	srv_side = &sides[0];
	with_thread(version_client);
	tap_is_int(version_got, -1, "a listener set to TLS 1.3 at least refuses a TLS 1.2 client");
	tap_ok(strstr(srv_side->why, "TLS handshake failed: ") != NULL,
	       "and its `closed` says why: %s", srv_side->why);
	loop_listener_free(ls12);
	tls_ctx_free(v12);
	tls_ctx_free(v13);
}

/* The handshake timeout: a client that connects and never says a word is
 * closed once the timeout passes, counted; a client that handshook on the
 * same listener meanwhile is served and stays. */
static int hs_silent_closed(void)
{
	return sides[0].closed;
}

static int hs_silent_accepted(void)
{
	return nsides >= 1;
}

static void handshake_timeout_cases(void)
{
	struct sg_error err;
	struct tls_ctx *srv = server_a(&err);
	struct tls_ctx *cli = client_ctx(at("ca.crt"), 0, NULL);
	struct lcfg cfg = {&srv, &echo_ops, {0}};
	struct loop_listener *ls;
	struct loop_stats before, after;
	struct sockaddr_in sa;
	struct timespec t0, t1;
	struct probe r;
	int port, fd;
	long ms;

	loop_set_tls_handshake_timeout(lp, 400);
	ls = listen_with(&cfg, &port);
	loop_stats(lp, &before);
	nsides = 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!tap_ok(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0,
	            "a client connects and sends nothing"))
		goto out;
	/* The silent client is side 0 once accepted; the probe comes after. */
	memset(&sides[0], 0, sizeof sides[0]);
	tap_ok(run_until(hs_silent_accepted, 2000) && sides[0].server, "and is accepted");
	r = probe_keep(port, cli, NULL, 1);
	tap_ok(r.ok && !sides[0].closed,
	       "meanwhile another client handshakes and is served on the same listener");
	tap_ok(run_until(hs_silent_closed, 5000), "the silent client is closed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	tap_ok(ms >= 350 && ms < 3000, "after the timeout (%ld ms for 400)", ms);
	tap_ok(!strcmp(sides[0].why, "TLS handshake not done within 400 ms"),
	       "its `closed` says why: %s", sides[0].why);
	tap_ok(!probe_client->closed && probe_client->c, "the client that handshook stays open");
	loop_stats(lp, &after);
	tap_is_int((long long)(after.tls_handshakes_timedout - before.tls_handshakes_timedout), 1,
	           "loop_stats counts one handshake timed out");
	tap_is_int((long long)(after.tls_handshakes_ok - before.tls_handshakes_ok), 1,
	           "and one handshake done");
	close_all();
out:
	close(fd);
	loop_set_tls_handshake_timeout(lp, 0);
	loop_listener_free(ls);
	tls_ctx_free(srv);
	tls_ctx_free(cli);
}

/* The gateway's certificate rotation, end to end. */

/* A fake broker: blocking, a thread per connection; answers every frame
 * with its correlation id and error 0 (a Heartbeat v0 response). With
 * `tls` it requires a client certificate and notes its CN. */
struct fbroker {
	int fd, port;
	SSL_CTX *tls;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t gone; /* signalled when a connection's thread ends */
	char last_cn[64];    /* the CN of the last client certificate */
	int conns;           /* accepted so far */
	int live;            /* connection threads still running */
	int fds[64];         /* their sockets, -1 when free: fb_stop() ends them */
};

struct fb_conn {
	struct fbroker *b;
	int fd;
};

static int fb_read(SSL *s, int fd, uint8_t *p, size_t n)
{
	size_t got = 0, r;
	ssize_t k;
	while (got < n) {
		if (s) {
			if (SSL_read_ex(s, p + got, n - got, &r) != 1)
				return 0;
			got += r;
		} else {
			if ((k = read(fd, p + got, n - got)) <= 0)
				return 0;
			got += (size_t)k;
		}
	}
	return 1;
}

static void *fb_conn_main(void *arg)
{
	struct fb_conn *fc = arg;
	struct fbroker *b = fc->b;
	SSL *s = NULL;
	uint8_t h[4], f[4096], out[10] = {0, 0, 0, 6};
	size_t len, w;

	if (b->tls) {
		s = SSL_new(b->tls);
		SSL_set_fd(s, fc->fd);
		if (SSL_accept(s) != 1)
			goto out;
		X509 *peer = SSL_get1_peer_certificate(s);
		pthread_mutex_lock(&b->mu);
		b->last_cn[0] = '\0';
		if (peer)
			X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
			                          b->last_cn, sizeof b->last_cn);
		pthread_mutex_unlock(&b->mu);
		X509_free(peer);
	}
	while (fb_read(s, fc->fd, h, 4)) {
		len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		if (len < 8 || len > sizeof f || !fb_read(s, fc->fd, f, len))
			break;
		memcpy(out + 4, f + 4, 4); /* the correlation id; error_code 0 */
		if (s ? SSL_write_ex(s, out, sizeof out, &w) != 1
		      : write(fc->fd, out, sizeof out) != (ssize_t)sizeof out)
			break;
	}
out:
	SSL_free(s);
	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < sizeof b->fds / sizeof b->fds[0]; i++)
		if (b->fds[i] == fc->fd)
			b->fds[i] = -1;
	close(fc->fd);
	b->live--;
	pthread_cond_broadcast(&b->gone);
	pthread_mutex_unlock(&b->mu);
	free(fc);
	ERR_clear_error();
	return NULL;
}

static void *fb_accept_main(void *arg)
{
	struct fbroker *b = arg;
	for (;;) {
		int fd = accept(b->fd, NULL, NULL);
		struct fb_conn *fc;
		pthread_t th;
		if (fd < 0)
			return NULL;
		fc = malloc(sizeof *fc);
		fc->b = b;
		fc->fd = fd;
		pthread_mutex_lock(&b->mu);
		b->conns++;
		b->live++;
		for (size_t i = 0; i < sizeof b->fds / sizeof b->fds[0]; i++)
			if (b->fds[i] < 0) {
				b->fds[i] = fd;
				break;
			}
		pthread_mutex_unlock(&b->mu);
		if (pthread_create(&th, NULL, fb_conn_main, fc) == 0) {
			pthread_detach(th);
		} else {
			pthread_mutex_lock(&b->mu);
			for (size_t i = 0; i < sizeof b->fds / sizeof b->fds[0]; i++)
				if (b->fds[i] == fd)
					b->fds[i] = -1;
			b->live--;
			pthread_mutex_unlock(&b->mu);
			close(fd);
			free(fc);
		}
	}
}

/* Starts a fake broker, TLS (certificate gw-b, client certificates of
 * ca.crt required) when `tls`. 1 on success. */
static int fb_start(struct fbroker *b, int tls)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;

	memset(b, 0, sizeof *b);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->gone, NULL);
	for (size_t i = 0; i < sizeof b->fds / sizeof b->fds[0]; i++)
		b->fds[i] = -1;
	if (tls) {
		b->tls = SSL_CTX_new(TLS_server_method());
		if (SSL_CTX_use_certificate_chain_file(b->tls, at("gw-b.crt")) != 1 ||
		    SSL_CTX_use_PrivateKey_file(b->tls, at("gw-b.key"), SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_load_verify_locations(b->tls, at("ca.crt"), NULL) != 1)
			return 0;
		SSL_CTX_set_verify(b->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	b->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(b->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(b->fd, 64) != 0 ||
	    getsockname(b->fd, (struct sockaddr *)&sa, &sl) != 0)
		return 0;
	b->port = ntohs(sa.sin_port);
	return pthread_create(&b->th, NULL, fb_accept_main, b) == 0;
}

/* Stops accepting, ends every connection and waits for their threads: they
 * read `b`, which may live on the caller's stack. */
static void fb_stop(struct fbroker *b)
{
	shutdown(b->fd, SHUT_RDWR);
	pthread_join(b->th, NULL);
	close(b->fd);
	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < sizeof b->fds / sizeof b->fds[0]; i++)
		if (b->fds[i] >= 0)
			shutdown(b->fds[i], SHUT_RDWR);
	while (b->live > 0)
		pthread_cond_wait(&b->gone, &b->mu);
	pthread_mutex_unlock(&b->mu);
	SSL_CTX_free(b->tls);
}

static void fb_last_cn(struct fbroker *b, char *out, size_t size)
{
	pthread_mutex_lock(&b->mu);
	snprintf(out, size, "%s", b->last_cn);
	pthread_mutex_unlock(&b->mu);
}

/* The gateway's log, kept for the checks. */
static pthread_mutex_t gwlog_mu = PTHREAD_MUTEX_INITIALIZER;
static char gwlog[32768];

static void gwlog_line(void *arg, const char *line)
{
	size_t n;
	pthread_mutex_lock(&gwlog_mu);
	n = strlen(gwlog);
	snprintf(gwlog + n, sizeof gwlog - n, "%s\n", line);
	pthread_mutex_unlock(&gwlog_mu);
}

static int gwlog_has(const char *needle)
{
	int found;
	pthread_mutex_lock(&gwlog_mu);
	found = strstr(gwlog, needle) != NULL;
	pthread_mutex_unlock(&gwlog_mu);
	return found;
}

/* A gateway on a thread of its own. */
struct gwt {
	struct gateway *gw;
	pthread_t th;
};

static void *gwt_main(void *arg)
{
	struct gwt *g = arg;
	struct sg_error err;
	error_clear(&err);
	gateway_run(g->gw, &err);
	return NULL;
}

static int gwt_start(struct gwt *g, const struct gateway_options *o)
{
	struct sg_error err;
	error_clear(&err);
	g->gw = gateway_open(o, &err);
	if (!g->gw) {
		tap_diag("gateway_open: %s", err.msg);
		return 0;
	}
	return pthread_create(&g->th, NULL, gwt_main, g) == 0;
}

static void gwt_stop(struct gwt *g)
{
	if (!g->gw)
		return;
	gateway_stop(g->gw);
	pthread_join(g->th, NULL);
	gateway_close(g->gw);
	g->gw = NULL;
}

/* The value of the metrics line that begins with `prefix`, or -1. */
static long long metric(struct gateway *gw, const char *prefix)
{
	size_t len = 0;
	char *t = gateway_metrics_text(gw, &len), *p;
	long long v = -1;
	for (p = t; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, prefix, strlen(prefix))) {
			v = strtoll(p + strlen(prefix), NULL, 10);
			break;
		}
	free(t);
	return v;
}

/* Waits up to 5 s for metric `prefix` to reach `want`. 1 when it did. */
static int metric_wait(struct gateway *gw, const char *prefix, long long want)
{
	for (int i = 0; i < 250; i++) {
		if (metric(gw, prefix) >= want)
			return 1;
		pause_ms(20);
	}
	tap_diag("%s stayed at %lld", prefix, metric(gw, prefix));
	return 0;
}

/* A TLS client of the gateway, with the client certificate `who` (NULL:
 * none); NULL when the handshake fails. */
static SSL *gw_dial(int port, const char *who)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char cert[256], key[256];
	SSL *s;

	SSL_CTX_load_verify_locations(ctx, at("ca.crt"), NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (who) {
		snprintf(cert, sizeof cert, "%s/%s.crt", dir, who);
		snprintf(key, sizeof key, "%s/%s.key", dir, who);
		SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM);
		SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
	}
	bc_ctx_swap(&ctx);
	s = bc_dial(port, 0, 0);
	bc_ctx_swap(&ctx);
	SSL_CTX_free(ctx);
	return s;
}

/* The CN of the certificate the gateway showed on `s`, or "". */
static const char *peer_cn(SSL *s, char *buf, size_t size)
{
	X509 *x = s ? SSL_get0_peer_certificate(s) : NULL;
	buf[0] = '\0';
	if (x)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)size);
	return buf;
}

/* The CN a new connection to the gateway is shown. */
static const char *new_cn(int port, char *buf, size_t size)
{
	SSL *s = gw_dial(port, NULL);
	peer_cn(s, buf, size);
	bc_close(s);
	return buf;
}

/* A Heartbeat v0 request through the gateway to the fake broker and its
 * answer back. 1 when the answer carries the request's correlation id. */
static int heartbeat(SSL *s, int32_t cid)
{
	static const uint8_t body[] = {0, 4, 't', 'e', 's', 't', 0, 1, 'g', 0, 0, 0, 1, 0, 1, 'm'};
	uint8_t f[64], back[64];
	size_t n = 0;
	f[n++] = 0;
	f[n++] = 12; /* Heartbeat */
	f[n++] = 0;
	f[n++] = 0; /* v0 */
	f[n++] = (uint8_t)(cid >> 24);
	f[n++] = (uint8_t)(cid >> 16);
	f[n++] = (uint8_t)(cid >> 8);
	f[n++] = (uint8_t)cid;
	memcpy(f + n, body, sizeof body);
	n += sizeof body;
	uint8_t req[80];
	return s && bc_write(s, req, framed(req, (uint32_t)n, f)) &&
	       bc_read_frame(s, back, sizeof back) == 6 && !memcmp(back, f + 4, 4);
}

static int copy_file(const char *from, const char *to)
{
	char a[256], b[256], buf[8192];
	FILE *in, *out;
	size_t n;
	int ok = 1;
	snprintf(a, sizeof a, "%s/%s", dir, from);
	snprintf(b, sizeof b, "%s/%s", dir, to);
	in = fopen(a, "r");
	out = fopen(b, "w");
	if (!in || !out)
		ok = 0;
	while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return ok;
}

/* Updates the Secret mount `mnt` as the kubelet does: the files into a new
 * timestamped folder `..v<gen>`, a `..data_tmp` link to it renamed over
 * `..data`, the old folder removed. `crt` and `key` name files of the test
 * folder (NULL key: a key file of junk). Gen 1 makes the mount. */
static int secret_update(const char *mnt, int gen, const char *crt, const char *key)
{
	char d[128], f[160], t[160], link[64];
	int ok;
	snprintf(d, sizeof d, "%s/..v%d", mnt, gen);
	snprintf(link, sizeof link, "..v%d", gen);
	ok = mkdir(at(d), 0700) == 0;
	snprintf(f, sizeof f, "%s/tls.crt", d);
	ok = ok && copy_file(crt, f);
	snprintf(f, sizeof f, "%s/tls.key", d);
	ok = ok && (key ? copy_file(key, f) : write_text(f, "junk\n", 5));
	snprintf(t, sizeof t, "%s/..data_tmp", mnt);
	ok = ok && symlink(link, at(t)) == 0;
	snprintf(f, sizeof f, "%s/..data", mnt);
	char tpath[256];
	snprintf(tpath, sizeof tpath, "%s", at(t));
	ok = ok && rename(tpath, at(f)) == 0;
	if (gen == 1) {
		snprintf(f, sizeof f, "%s/tls.crt", mnt);
		ok = ok && symlink("..data/tls.crt", at(f)) == 0;
		snprintf(f, sizeof f, "%s/tls.key", mnt);
		ok = ok && symlink("..data/tls.key", at(f)) == 0;
	} else {
		snprintf(d, sizeof d, "%s/..v%d", mnt, gen - 1);
		remove_files(at(d));
	}
	return ok;
}

static void server_rotation_cases(void)
{
	struct fbroker fb;
	struct gwt g = {0}, g2 = {0};
	char cn[64], crt[256], key[256], listen[32] = "127.0.0.1:0";
	SSL *kept;
	int port;

	if (!tap_ok(fb_start(&fb, 0), "a plaintext fake broker") ||
	    !tap_ok(mkdir(at("mnt"), 0700) == 0 && secret_update("mnt", 1, "gw-a.crt", "gw-a.key"),
	            "a Secret mount holding gw-a"))
		return;
	snprintf(crt, sizeof crt, "%s", at("mnt/tls.crt"));
	snprintf(key, sizeof key, "%s", at("mnt/tls.key"));
	char brokers[32];
	snprintf(brokers, sizeof brokers, "127.0.0.1:%d", fb.port);
	struct gateway_options o = {.listen = listen,
	                            .brokers = brokers,
	                            .broker_port_base = 40000,
	                            .log = gwlog_line,
	                            .tls = {.cert = crt, .key = key, .watch_ms = 50}};
	if (!tap_ok(gwt_start(&g, &o), "a gateway with client TLS from the mount"))
		goto out;
	port = gateway_port(g.gw);
	kept = gw_dial(port, NULL);
	tap_ok(kept && !strcmp(peer_cn(kept, cn, sizeof cn), "gw-a"),
	       "a client that stays connected is shown gw-a (%s)", cn);
	tap_ok(heartbeat(kept, 1), "its request reaches the broker and the answer comes back");

	tap_ok(secret_update("mnt", 2, "gw-b.crt", "gw-b.key"),
	       "the mount updated to gw-b (..data swapped, no signal)");
	tap_ok(metric_wait(g.gw,
	                   "schemagate_gateway_tls_reloads_total{context=\"server\","
	                   "result=\"ok\"} ",
	                   1),
	       "the watcher reloads the server context");
	tap_ok(!strcmp(new_cn(port, cn, sizeof cn), "gw-b"), "a new connection is shown gw-b (%s)",
	       cn);
	tap_ok(heartbeat(kept, 2) && !strcmp(peer_cn(kept, cn, sizeof cn), "gw-a"),
	       "the connection made before keeps working, with gw-a");
	tap_ok(gwlog_has("TLS (files changed): the server context was reloaded: certificate "
	                 "CN=gw-b"),
	       "the reload is logged with the new certificate");
	{
		size_t len = 0;
		char *t = gateway_metrics_text(g.gw, &len);
		X509 *b = subject_of[GW_B];
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(b), NULL);
		char *hex = BN_bn2hex(bn), want[160];
		snprintf(want, sizeof want,
		         "schemagate_gateway_tls_certificate_not_after_seconds{context=\"server\","
		         "serial=\"%s\"} ",
		         hex);
		tap_ok(t && strstr(t, want) && len == strlen(t),
		       "the metrics show the notAfter of gw-b by its serial %s", hex);
		OPENSSL_free(hex);
		BN_free(bn);
		free(t);
	}

	tap_ok(secret_update("mnt", 3, "gw-a.crt", NULL), "the mount updated with a broken key");
	tap_ok(metric_wait(g.gw,
	                   "schemagate_gateway_tls_reloads_total{context=\"server\","
	                   "result=\"failed\"} ",
	                   1),
	       "the failed reload is counted");
	tap_ok(!strcmp(new_cn(port, cn, sizeof cn), "gw-b"),
	       "new connections are still shown gw-b (%s)", cn);
	tap_ok(gwlog_has("the server context was NOT reloaded, the previous one stays: cannot "
	                 "load the private key ") &&
	           gwlog_has("mnt/tls.key: "),
	       "the failure is logged, naming the file and the reason");
	tap_is_int(metric(g.gw, "schemagate_gateway_tls_reloads_total{context=\"server\","
	                        "result=\"ok\"} "),
	           1, "and no reload counted as done");
	tap_ok(heartbeat(kept, 3), "the connection made first still works");
	/* The last client may be done before the gateway read its Finished. */
	tap_ok(
	    metric_wait(g.gw, "schemagate_gateway_tls_client_handshakes_total{result=\"ok\"} ", 3),
	    "client handshakes are counted (three clients)");
	bc_close(kept);
	gwt_stop(&g);

	/* The signal's way: no polling in time, gateway_tls_reload(). */
	tap_ok(secret_update("mnt", 4, "gw-a.crt", "gw-a.key"), "the mount back to gw-a");
	o.tls.watch_ms = 600000;
	if (!tap_ok(gwt_start(&g2, &o), "a gateway that looks at its files every 10 minutes"))
		goto out;
	port = gateway_port(g2.gw);
	tap_ok(!strcmp(new_cn(port, cn, sizeof cn), "gw-a"), "it shows gw-a (%s)", cn);
	tap_ok(secret_update("mnt", 5, "gw-b.crt", "gw-b.key"), "the mount updated to gw-b");
	pause_ms(200);
	tap_ok(!strcmp(new_cn(port, cn, sizeof cn), "gw-a"), "without a reload, still gw-a (%s)",
	       cn);
	gateway_tls_reload(g2.gw);
	tap_ok(metric_wait(g2.gw,
	                   "schemagate_gateway_tls_reloads_total{context=\"server\","
	                   "result=\"ok\"} ",
	                   1),
	       "gateway_tls_reload() (SIGHUP) reloads at once");
	tap_ok(!strcmp(new_cn(port, cn, sizeof cn), "gw-b"), "a new connection is shown gw-b (%s)",
	       cn);
	tap_ok(gwlog_has("TLS (reload asked): the server context was reloaded"), "logged as asked");
	gwt_stop(&g2);
out:
	fb_stop(&fb);
}

/* Writes user `who` (who.crt, who.key of the test folder) into ids/`as`,
 * through a hidden folder renamed in place, as one change. */
static int add_user(const char *who, const char *as, int with_key)
{
	char hidden[64], a[96], b[96], final[256];
	snprintf(hidden, sizeof hidden, "ids/.%s", as);
	if (mkdir(at(hidden), 0700) != 0)
		return 0;
	snprintf(a, sizeof a, "%s.crt", who);
	snprintf(b, sizeof b, "%s/user.crt", hidden);
	if (!copy_file(a, b))
		return 0;
	snprintf(a, sizeof a, "%s.key", who);
	snprintf(b, sizeof b, "%s/user.key", hidden);
	if (with_key && !copy_file(a, b))
		return 0;
	snprintf(final, sizeof final, "%s/ids/%s", dir, as);
	return rename(at(hidden), final) == 0;
}

static void certmap_rotation_cases(void)
{
	struct fbroker fb;
	struct gwt g = {0};
	char cn[64], brokers[32], ids[256], ca[256], crt[256], key[256];
	SSL *alice, *s;
	int port;

	if (!tap_ok(fb_start(&fb, 1), "a TLS fake broker that requires client certificates") ||
	    !tap_ok(mkdir(at("ids"), 0700) == 0 && add_user("alice", "alice", 1),
	            "an identity folder with user alice"))
		return;
	snprintf(brokers, sizeof brokers, "127.0.0.1:%d", fb.port);
	snprintf(ids, sizeof ids, "%s", at("ids"));
	snprintf(ca, sizeof ca, "%s", at("ca.crt"));
	snprintf(crt, sizeof crt, "%s", at("gw-a.crt"));
	snprintf(key, sizeof key, "%s", at("gw-a.key"));
	struct gateway_options o = {.listen = "127.0.0.1:0",
	                            .brokers = brokers,
	                            .broker_port_base = 40000,
	                            .log = gwlog_line,
	                            .tls = {.cert = crt,
	                                    .key = key,
	                                    .client_ca = ca,
	                                    .client_auth = TLS_CLIENT_AUTH_REQUIRED,
	                                    .broker_ca = ca,
	                                    .identity_dir = ids,
	                                    .watch_ms = 50}};
	if (!tap_ok(gwt_start(&g, &o), "a gateway with the certmap identity"))
		goto out;
	port = gateway_port(g.gw);
	tap_is_int(metric(g.gw, "schemagate_gateway_tls_certmap_users "), 1,
	           "the metrics count one user");
	alice = gw_dial(port, "alice");
	tap_ok(heartbeat(alice, 1), "alice is served");
	fb_last_cn(&fb, cn, sizeof cn);
	tap_ok(!strcmp(cn, "alice"), "the broker sees alice's certificate (%s)", cn);
	tap_ok(gwlog_has("certificate subject CN=alice,O=schemagate tests maps to user alice"),
	       "the mapping is logged: subject and user");
	s = gw_dial(port, "dave");
	tap_ok(!heartbeat(s, 1), "dave, in no user folder, is refused");
	bc_close(s);
	tap_ok(gwlog_has("no broker identity for the client certificate subject CN=dave"),
	       "with his subject logged");

	tap_ok(add_user("dave", "dave", 1), "user dave added to the folder");
	tap_ok(metric_wait(g.gw,
	                   "schemagate_gateway_tls_reloads_total{context=\"certmap\","
	                   "result=\"ok\"} ",
	                   1),
	       "the watcher reloads the folder");
	tap_is_int(metric(g.gw, "schemagate_gateway_tls_certmap_users "), 2, "two users now");
	s = gw_dial(port, "dave");
	tap_ok(heartbeat(s, 1), "dave is served");
	fb_last_cn(&fb, cn, sizeof cn);
	tap_ok(!strcmp(cn, "dave"), "as dave (%s)", cn);
	bc_close(s);
	tap_ok(heartbeat(alice, 2), "alice's connection from before still works");

	tap_ok(add_user("carol", "carol", 0), "a user without user.key added");
	tap_ok(metric_wait(g.gw,
	                   "schemagate_gateway_tls_reloads_total{context=\"certmap\","
	                   "result=\"failed\"} ",
	                   1),
	       "the failed reload is counted");
	tap_ok(gwlog_has("the certmap context was NOT reloaded, the previous one stays: ") &&
	           gwlog_has("carol/user.crt has no user.key beside it"),
	       "and logged, naming the file");
	s = gw_dial(port, "dave");
	tap_ok(heartbeat(s, 1), "the previous map stays: dave is still served");
	bc_close(s);
	tap_is_int(metric(g.gw, "schemagate_gateway_tls_certmap_users "), 2, "two users still");
	bc_close(alice);
	gwt_stop(&g);
out:
	fb_stop(&fb);
}

int main(void)
{
	struct sg_error err;

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "/tmp/looptls.XXXXXX");
	if (!mkdtemp(dir))
		return tap_skip_all("cannot make a temporary folder");
	if (!tap_ok(make_files(), "a CA, server and client certificates made in %s", dir))
		goto out;
	bc_ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(bc_ctx, at("ca.crt"), NULL);
	SSL_CTX_set_verify(bc_ctx, SSL_VERIFY_PEER, NULL);
	error_clear(&err);
	lp = loop_new(&err);
	if (!tap_ok(lp != NULL, "loop_new"))
		goto out;
	handshake_cases();
	client_auth_cases();
	ca_dir_cases();
	rotation_cases();
	bulk_cases();
	stream_cases();
	pending_cases();
	slow_reader_cases();
	version_cases();
	handshake_timeout_cases();
	server_rotation_cases();
	certmap_rotation_cases();
	loop_free(lp);
out:
	for (int i = 0; i < 16; i++)
		X509_free(subject_of[i]);
	remove_files(dir);
	SSL_CTX_free(bc_ctx);
	return tap_done();
}
