/* registry/http.c: the HTTP server of registry/http.h on libmicrohttpd.
 *
 * MHD runs a pool of epoll threads; each request lives in one struct
 * http_conn, created by the URI callback (which sees the raw URI before MHD
 * touches it) and freed by the completion callback. The path and the query
 * are split and percent-decoded here, not by MHD, so an encoded '/' inside a
 * subject stays inside its segment.
 *
 * TLS: MHD runs GnuTLS with the certificate, the key and (when client
 * certificates are asked for) the client CA as its trust list. MHD only asks
 * a client for a certificate and never checks it, so the first callback of
 * every request verifies the peer itself (gnutls_certificate_verify_peers,
 * for the TLS client purpose) and reads the subject DN of the leaf.
 *
 * Request timeouts: MHD's own timeout is one of inactivity, which a client
 * that trickles bytes never meets. A watchdog thread keeps every connection
 * (MHD's connection notifications) in a list, with where it is: waiting for
 * a request, reading one (since when), or answering. It looks every tenth
 * of the request timeout: a waiting connection whose socket received bytes
 * since its last request is reading a new one; one reading for longer than
 * the timeout is shut down (shutdown(), so MHD sees the end and frees it).
 * The list's mutex is held from before MHD's CLOSED notification until the
 * watchdog is done with the socket, so it never touches a descriptor that
 * MHD closed.
 */
#include "registry/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received */
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "compat/hex.h"
#include "common/pembundle.h"
#include "common/readfile.h"

/* Requests beyond these are refused by MHD itself (431 / 414 / closed). */
#define HTTP_CONN_MEMORY_LIMIT  HTTP_HEADER_LIMIT /* per connection: request line + headers */
#define HTTP_DEFAULT_MAX_CONNS  4096
#define HTTP_DEFAULT_MAX_PER_IP 1024
#define HTTP_DEFAULT_IDLE_MS    30000u
#define HTTP_DEFAULT_REQUEST_MS 30000u
#define HTTP_WATCH_MAX_MS       250 /* longest pause between two looks of the watchdog */
#define HTTP_MAX_PARAMS         32  /* query parameters kept; later ones are ignored */
#define HTTP_BODY_FIRST_ALLOC   4096
/* TLS 1.2 and 1.3 only, GnuTLS's default ciphers for them. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* Where a connection is, for the watchdog. */
enum http_phase { HTTP_WAITING, HTTP_READING, HTTP_ANSWERING };

/* One connection, from MHD's STARTED notification to its CLOSED one. */
struct http_sock {
	struct http_sock *prev, *next;
	int fd;
	enum http_phase phase;
	uint64_t since; /* HTTP_READING: when the request began (http_now_ms) */
	uint64_t mark;  /* HTTP_WAITING: bytes the socket had received then */
	int timed_out;  /* shut down by the watchdog */
};

struct http_server {
	struct MHD_Daemon *daemon;
	/* The watchdog (see the top of the file); `mu` guards the list and
	 * the phases. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct http_sock *socks;
	pthread_t dog;
	int dog_running;
	int dog_stop;
	unsigned request_ms;
	/* Log lines: at most HTTP_LOG_BURST a second. */
	pthread_mutex_t log_mu;
	time_t log_second;
	unsigned log_lines;
	unsigned long log_dropped;
	http_handler handler;
	void *ctx;
	size_t body_limit;
	int port;
	/* TLS: the PEM texts MHD was given, kept while it runs. */
	char *tls_cert;
	char *tls_key;
	char *tls_trust;
	enum http_client_auth client_auth;
	char unauthorized[96]; /* the 401 body, from the error table */
	unsigned unauthorized_status;
};

struct http_param {
	const char *key;
	const char *value;
};

/* One request, from the URI callback to the completion callback. */
struct http_conn {
	struct MHD_Connection *mhd;
	char *raw_path;  /* the path as sent, NUL-terminated copy */
	char *raw_query; /* the query as sent, NUL-terminated copy, or NULL */
	char *decoded;   /* the path's segments and the query, decoded */
	struct http_param params[HTTP_MAX_PARAMS];
	size_t nparams;
	int headers_seen; /* the first access-handler call happened */
	char *body;       /* grows up to body_limit + 1 (for the NUL) */
	size_t body_len;
	size_t body_cap;
	int body_too_large;
	int oom;         /* an allocation for this request failed */
	char *principal; /* the client certificate's subject DN */
	char *basic;     /* "user\0password", decoded from Authorization */
	size_t basic_len;
	struct http_request req;
};

/* Logs one line of the server or of MHD (`cls` is the server), at most
 * HTTP_LOG_BURST a second: a flood of refused connections must not flood
 * the log. The first line after a second that dropped some says how many. */
__attribute__((format(printf, 2, 0))) static void http_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *srv = cls;
	char line[512];
	unsigned long dropped = 0;
	time_t now = time(NULL);

	pthread_mutex_lock(&srv->log_mu);
	if (now != srv->log_second) {
		dropped = srv->log_dropped;
		srv->log_second = now;
		srv->log_lines = 0;
		srv->log_dropped = 0;
	}
	if (srv->log_lines >= HTTP_LOG_BURST) {
		srv->log_dropped++;
		pthread_mutex_unlock(&srv->log_mu);
		return;
	}
	srv->log_lines++;
	pthread_mutex_unlock(&srv->log_mu);
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (dropped)
		fprintf(stderr, "schemagate: http: (%lu more lines not logged)\n", dropped);
	fprintf(stderr, "schemagate: http: %s\n", line);
}

__attribute__((format(printf, 2, 3))) static void http_logf(struct http_server *srv,
                                                            const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	http_log(srv, fmt, ap);
	va_end(ap);
}

/* The watchdog. */

static uint64_t http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Bytes the socket has received so far (0 when the kernel does not say). */
static uint64_t http_bytes_received(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	memset(&ti, 0, sizeof ti);
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return 0;
	return ti.tcpi_bytes_received;
}

static void http_notify_cb(void *cls, struct MHD_Connection *con, void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	struct http_sock *k;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || !(k = calloc(1, sizeof *k)))
			return; /* not watched: MHD's idle timeout still holds */
		k->fd = ci->connect_fd;
		k->phase = HTTP_WAITING;
		pthread_mutex_lock(&srv->mu);
		k->next = srv->socks;
		if (srv->socks)
			srv->socks->prev = k;
		srv->socks = k;
		pthread_mutex_unlock(&srv->mu);
		*socket_context = k;
		return;
	}
	if (!(k = *socket_context))
		return;
	pthread_mutex_lock(&srv->mu);
	if (k->prev)
		k->prev->next = k->next;
	else
		srv->socks = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&srv->mu);
	free(k);
	*socket_context = NULL;
}

/* Moves the connection of `con` to `phase`. */
static void http_phase_set(struct http_server *srv, struct MHD_Connection *con,
                           enum http_phase phase)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_sock *k = ci ? ci->socket_context : NULL;

	if (!k)
		return;
	pthread_mutex_lock(&srv->mu);
	if (phase == HTTP_READING && k->phase == HTTP_WAITING)
		k->since = http_now_ms();
	else if (phase == HTTP_WAITING)
		k->mark = http_bytes_received(k->fd);
	if (phase != HTTP_READING || k->phase == HTTP_WAITING)
		k->phase = phase;
	pthread_mutex_unlock(&srv->mu);
}

static void *http_dog_main(void *arg)
{
	struct http_server *srv = arg;
	unsigned step = srv->request_ms / 10;

	if (step > HTTP_WATCH_MAX_MS)
		step = HTTP_WATCH_MAX_MS;
	if (step == 0)
		step = 1;
	pthread_mutex_lock(&srv->mu);
	while (!srv->dog_stop) {
		struct timespec until;
		uint64_t now = http_now_ms();

		for (struct http_sock *k = srv->socks; k; k = k->next) {
			if (k->phase == HTTP_WAITING && http_bytes_received(k->fd) > k->mark) {
				k->phase = HTTP_READING;
				k->since = now;
			} else if (k->phase == HTTP_READING && !k->timed_out &&
			           now - k->since >= srv->request_ms) {
				struct sockaddr_storage ss;
				socklen_t sl = sizeof ss;
				char host[NI_MAXHOST] = "?";
				k->timed_out = 1;
				if (getpeername(k->fd, (struct sockaddr *)&ss, &sl) == 0)
					getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host,
					            NULL, 0, NI_NUMERICHOST);
				shutdown(k->fd, SHUT_RDWR);
				http_logf(srv,
				          "closing a connection from %s: its request was not read "
				          "whole within %u ms",
				          host, srv->request_ms);
			}
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)step * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&srv->cv, &srv->mu, &until);
	}
	pthread_mutex_unlock(&srv->mu);
	return NULL;
}

/* Decodes s[0..n) into out (which may be s: decoding only shrinks) and
 * NUL-terminates it. "%HH" becomes its byte, except "%00", which is kept as
 * text because the result is a C string; a '%' not followed by two hex digits
 * is kept as is. With `plus`, '+' becomes a space. Returns the decoded length. */
static size_t http_decode(char *out, const char *s, size_t n, int plus)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && n - i > 2) {
			int hi = hex_value(s[i + 1]);
			int lo = hex_value(s[i + 2]);
			if (hi >= 0 && lo >= 0 && (hi | lo) != 0) {
				out[o++] = (char)(hi * 16 + lo);
				i += 2;
				continue;
			}
		} else if (c == '+' && plus) {
			c = ' ';
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

/* Splits the raw URI into path segments and query parameters. Returns -1 when
 * out of memory. */
static int http_conn_parse_uri(struct http_conn *hc, const char *uri)
{
	size_t len = strlen(uri);
	const char *q = memchr(uri, '?', len);
	size_t plen = q ? (size_t)(q - uri) : len;
	const char *hash = memchr(uri, '#', plen);
	if (hash)
		plen = (size_t)(hash - uri);

	hc->raw_path = malloc(plen + 1);
	hc->decoded = malloc(len + 1);
	if (!hc->raw_path || !hc->decoded)
		return -1;
	memcpy(hc->raw_path, uri, plen);
	hc->raw_path[plen] = '\0';

	struct http_request *req = &hc->req;
	char *out = hc->decoded;
	size_t i = 0;
	while (i < plen) {
		size_t start = i;
		while (i < plen && uri[i] != '/')
			i++;
		if (i > start) {
			if (req->nsegs == HTTP_MAX_SEGMENTS) {
				req->too_many_segments = 1;
				break;
			}
			size_t n = http_decode(out, uri + start, i - start, 0);
			req->segs[req->nsegs++] = out;
			out += n + 1;
		}
		i++;
	}

	if (!q)
		return 0;
	const char *p = q + 1;
	const char *end = uri + len;
	const char *qhash = memchr(p, '#', (size_t)(end - p));
	if (qhash)
		end = qhash;
	if (!(hc->raw_query = strndup(p, (size_t)(end - p))))
		return -1;
	while (p < end && hc->nparams < HTTP_MAX_PARAMS) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pend = amp ? amp : end;
		if (pend > p) {
			const char *eq = memchr(p, '=', (size_t)(pend - p));
			const char *kend = eq ? eq : pend;
			struct http_param *prm = &hc->params[hc->nparams++];
			prm->key = out;
			out += http_decode(out, p, (size_t)(kend - p), 1) + 1;
			if (eq) {
				prm->value = out;
				out += http_decode(out, eq + 1, (size_t)(pend - eq - 1), 1) + 1;
			} else {
				prm->value = "";
			}
		}
		p = pend + 1;
	}
	return 0;
}

static void *http_uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
	http_phase_set(cls, con, HTTP_READING);
	struct http_conn *hc = calloc(1, sizeof *hc);
	if (!hc)
		return NULL;
	hc->mhd = con;
	hc->req.impl = hc;
	if (http_conn_parse_uri(hc, uri ? uri : "") < 0)
		hc->oom = 1;
	hc->req.raw_path = hc->raw_path ? hc->raw_path : "";
	hc->req.raw_query = hc->raw_query ? hc->raw_query : "";
	return hc;
}

static void http_conn_free(struct http_conn *hc)
{
	if (!hc)
		return;
	free(hc->raw_path);
	free(hc->raw_query);
	free(hc->decoded);
	free(hc->body);
	free(hc->principal);
	if (hc->basic)
		explicit_bzero(hc->basic, hc->basic_len);
	free(hc->basic);
	free(hc);
}

static void http_completed_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	http_phase_set(cls, con, HTTP_WAITING);
	http_conn_free(*con_cls);
	*con_cls = NULL;
}

/* The path is parsed by http_uri_cb from the raw URI; MHD's own unescaping of
 * the path would turn "%2F" into '/', so it is switched off. */
static size_t http_unescape_none(void *cls, struct MHD_Connection *con, char *s)
{
	(void)cls;
	(void)con;
	return strlen(s);
}

const char *http_query(const struct http_request *req, const char *key)
{
	return http_query_nth(req, key, 0);
}

const char *http_query_nth(const struct http_request *req, const char *key, size_t n)
{
	const struct http_conn *hc = req->impl;
	for (size_t i = 0; i < hc->nparams; i++)
		if (strcmp(hc->params[i].key, key) == 0 && n-- == 0)
			return hc->params[i].value;
	return NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
	const struct http_conn *hc = req->impl;
	return MHD_lookup_connection_value(hc->mhd, MHD_HEADER_KIND, name);
}

/* Appends a chunk of body, or, once past the limit, drops the body and only
 * counts it as too large. Returns -1 when out of memory. */
static int http_conn_take_body(struct http_conn *hc, size_t limit, const char *data, size_t n)
{
	if (hc->body_too_large)
		return 0;
	if (n > limit - hc->body_len) {
		hc->body_too_large = 1;
		free(hc->body);
		hc->body = NULL;
		hc->body_len = hc->body_cap = 0;
		return 0;
	}
	size_t need = hc->body_len + n + 1;
	if (need > hc->body_cap) {
		size_t cap = hc->body_cap ? hc->body_cap : HTTP_BODY_FIRST_ALLOC;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if (cap > limit + 1)
			cap = limit + 1;
		char *nb = realloc(hc->body, cap);
		if (!nb)
			return -1;
		hc->body = nb;
		hc->body_cap = cap;
	}
	memcpy(hc->body + hc->body_len, data, n);
	hc->body_len += n;
	hc->body[hc->body_len] = '\0';
	return 0;
}

static enum MHD_Result http_queue_plain(struct MHD_Connection *con, unsigned status,
                                        const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result ret = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Adds one "Name: value" header. Malformed strings are skipped: they come
 * from our own handler, never from a peer. */
static void http_add_header_line(struct MHD_Response *r, const char *line)
{
	const char *colon = strchr(line, ':');
	if (!colon || colon == line || colon - line >= 128)
		return;
	char name[128];
	memcpy(name, line, (size_t)(colon - line));
	name[colon - line] = '\0';
	const char *value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	MHD_add_response_header(r, name, value);
}

static enum MHD_Result http_respond(struct http_server *srv, struct http_conn *hc)
{
	struct http_request *req = &hc->req;
	http_phase_set(srv, hc->mhd, HTTP_ANSWERING);
	req->method = req->method ? req->method : "";
	if (hc->body_too_large) {
		req->body = NULL;
		req->body_len = 0;
		req->body_too_large = 1;
	} else {
		req->body = hc->body ? hc->body : "";
		req->body_len = hc->body_len;
	}

	struct http_response resp = {0};
	srv->handler(srv->ctx, req, &resp);

	struct MHD_Response *r;
	if (resp.body && resp.body_len > 0) {
		r = MHD_create_response_from_buffer_with_free_callback(resp.body_len, resp.body,
		                                                       free);
		if (!r)
			free(resp.body);
	} else {
		free(resp.body);
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	if (resp.content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
	for (size_t i = 0; i < resp.nheaders && i < 8; i++)
		if (resp.headers[i])
			http_add_header_line(r, resp.headers[i]);
	unsigned status = resp.status >= 100 && resp.status <= 999 ? (unsigned)resp.status : 500;
	enum MHD_Result ret = MHD_queue_response(hc->mhd, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Reads "Authorization: Basic <base64 of user:password>" into the request.
 * Returns -1 when out of memory. */
static int http_conn_basic(struct http_conn *hc)
{
	const char *v =
	    MHD_lookup_connection_value(hc->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!v || strncasecmp(v, "Basic", 5) != 0 || (v[5] != ' ' && v[5] != '\t'))
		return 0;
	v += 5;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	gnutls_datum_t in = {(unsigned char *)v, (unsigned)n}, out = {NULL, 0};
	int rc = n > 0 ? gnutls_base64_decode2(&in, &out) : GNUTLS_E_BASE64_DECODING_ERROR;
	if (rc == GNUTLS_E_MEMORY_ERROR)
		return -1;
	char *colon = rc == 0 ? memchr(out.data, ':', out.size) : NULL;
	if (!colon || memchr(out.data, '\0', out.size)) {
		hc->req.basic_malformed = 1;
	} else {
		hc->basic = malloc(out.size + 1);
		if (!hc->basic) {
			explicit_bzero(out.data, out.size);
			gnutls_free(out.data);
			return -1;
		}
		hc->basic_len = out.size + 1;
		memcpy(hc->basic, out.data, out.size);
		hc->basic[out.size] = '\0';
		hc->basic[colon - (char *)out.data] = '\0';
		hc->req.basic_user = hc->basic;
		hc->req.basic_password = hc->basic + (colon - (char *)out.data) + 1;
	}
	if (out.data) {
		explicit_bzero(out.data, out.size);
		gnutls_free(out.data);
	}
	return 0;
}

/* Checks the client's certificate, when one is asked for. Returns 0 when the
 * request may go on (with hc->principal set when a certificate verified),
 * -1 when it must be refused, -2 when out of memory. */
static int http_conn_peer(const struct http_server *srv, struct http_conn *hc)
{
	if (srv->client_auth == HTTP_CLIENT_AUTH_NONE)
		return 0;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(hc->mhd, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
	unsigned n = 0;
	const gnutls_datum_t *chain = s ? gnutls_certificate_get_peers(s, &n) : NULL;
	if (!chain || n == 0)
		return srv->client_auth == HTTP_CLIENT_AUTH_REQUIRED ? -1 : 0;
	/* A certificate that is there must verify, whether required or not. */
	gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
	                                 .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
	unsigned status = 0;
	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509 ||
	    gnutls_certificate_verify_peers(s, &purpose, 1, &status) < 0 || status != 0)
		return -1;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = {NULL, 0};
	if (gnutls_x509_crt_init(&crt) < 0)
		return -2;
	int rc = -1;
	if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0 && dn.size > 0) {
		hc->principal = malloc(dn.size + 1);
		if (hc->principal) {
			memcpy(hc->principal, dn.data, dn.size);
			hc->principal[dn.size] = '\0';
			hc->req.peer_principal = hc->principal;
		}
		rc = hc->principal ? 0 : -2;
	}
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

static enum MHD_Result http_access_cb(void *cls, struct MHD_Connection *con, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
	(void)url;
	(void)version;
	struct http_server *srv = cls;
	struct http_conn *hc = *con_cls;
	if (!hc || hc->oom)
		return http_queue_plain(con, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                        "{\"error_code\":50001,\"message\":\"out of memory\"}");

	if (!hc->headers_seen) {
		hc->headers_seen = 1;
		hc->req.method = method;
		int peer = http_conn_peer(srv, hc);
		if (peer == -1)
			return http_queue_plain(con, srv->unauthorized_status, srv->unauthorized);
		if (peer == -2 || http_conn_basic(hc) < 0)
			hc->oom = 1;
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(cl, &end, 10);
			if (errno == ERANGE || v > srv->body_limit)
				hc->body_too_large = 1;
		}
		return MHD_YES;
	}

	if (*upload_data_size > 0) {
		if (http_conn_take_body(hc, srv->body_limit, upload_data, *upload_data_size) < 0)
			hc->oom = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (hc->oom)
		return http_queue_plain(con, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                        "{\"error_code\":50001,\"message\":\"out of memory\"}");
	return http_respond(srv, hc);
}

/* Describes a bind failure in words a user acts on. */
static void http_bind_error(struct sg_error *err, const char *host, int port, int e)
{
	const char *why;
	char buf[128];
	switch (e) {
	case EADDRINUSE:
		why = "address already in use";
		break;
	case EACCES:
		why = "permission denied (ports below 1024 need privileges)";
		break;
	case EADDRNOTAVAIL:
		why = "address not available on this host";
		break;
	default:
		snprintf(buf, sizeof buf, "%s", strerror(e));
		if (buf[0] >= 'A' && buf[0] <= 'Z')
			buf[0] = (char)(buf[0] - 'A' + 'a');
		why = buf;
		break;
	}
	if (strchr(host, ':'))
		error_set(err, SG_EIO, "[%s]:%d: %s", host, port, why);
	else
		error_set(err, SG_EIO, "%s:%d: %s", host, port, why);
}

/* Opens a listening socket on host:port. Returns the fd, or -1 with `err` set. */
static int http_listen_socket(const char *host, int port, int *bound_port, int *is_v6,
                              struct sg_error *err)
{
	struct addrinfo hints = {0}, *ai = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%d", port);
	int rc = getaddrinfo(host && *host ? host : NULL, portstr, &hints, &ai);
	if (rc != 0 || !ai) {
		error_set(err, SG_EIO, "%s:%d: cannot resolve host: %s", host ? host : "", port,
		          gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		http_bind_error(err, host, port, errno);
		freeaddrinfo(ai);
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		http_bind_error(err, host, port, errno);
		close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	*is_v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);

	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		http_bind_error(err, host, port, errno);
		close(fd);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		*bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Reads the TLS files into `srv` and checks them with GnuTLS, so a bad one
 * is named now rather than failing the daemon's start with no reason. */
static int http_tls_load(struct http_server *srv, const struct http_tls *tls, struct sg_error *err)
{
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
		return error_set(err, SG_EIO, "this libmicrohttpd was built without TLS");
	if (!tls->cert_file || !tls->key_file)
		return error_set(err, SG_EIO, "TLS needs a certificate and its key");
	if (tls->client_auth != HTTP_CLIENT_AUTH_NONE && !tls->client_ca)
		return error_set(err, SG_EIO, "checking client certificates needs a client CA");
	size_t cert_len, key_len;
	srv->tls_cert = readfile(tls->cert_file, HTTP_TLS_FILE_MAX, &cert_len, err);
	srv->tls_key =
	    srv->tls_cert ? readfile(tls->key_file, HTTP_TLS_FILE_MAX, &key_len, err) : NULL;
	if (!srv->tls_key)
		return -1;
	if (tls->client_auth != HTTP_CLIENT_AUTH_NONE &&
	    !(srv->tls_trust = pembundle_read(tls->client_ca, HTTP_TLS_FILE_MAX, NULL, err)))
		return -1;
	srv->client_auth = tls->client_auth;

	gnutls_certificate_credentials_t cred;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return error_set(err, SG_ENOMEM, "out of memory");
	gnutls_datum_t c = {(unsigned char *)srv->tls_cert, (unsigned)cert_len};
	gnutls_datum_t k = {(unsigned char *)srv->tls_key, (unsigned)key_len};
	int rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0)
		error_set(err, SG_EIO, "%s, %s: %s", tls->cert_file, tls->key_file,
		          gnutls_strerror(rc));
	if (rc >= 0 && srv->tls_trust) {
		gnutls_datum_t t = {(unsigned char *)srv->tls_trust,
		                    (unsigned)strlen(srv->tls_trust)};
		rc = gnutls_certificate_set_x509_trust_mem(cred, &t, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			error_set(err, SG_EIO, "%s: %s", tls->client_ca,
			          rc < 0 ? gnutls_strerror(rc) : "no PEM certificate in it");
		rc = rc <= 0 ? -1 : 0;
	}
	gnutls_certificate_free_credentials(cred);
	return rc < 0 ? -1 : 0;
}

static void http_server_free(struct http_server *srv)
{
	if (srv->dog_running) {
		pthread_mutex_lock(&srv->mu);
		srv->dog_stop = 1;
		pthread_cond_signal(&srv->cv);
		pthread_mutex_unlock(&srv->mu);
		pthread_join(srv->dog, NULL);
	}
	pthread_cond_destroy(&srv->cv);
	pthread_mutex_destroy(&srv->mu);
	pthread_mutex_destroy(&srv->log_mu);
	if (srv->tls_key)
		explicit_bzero(srv->tls_key, strlen(srv->tls_key));
	free(srv->tls_key);
	free(srv->tls_cert);
	free(srv->tls_trust);
	free(srv);
}

struct http_server *http_open(const struct http_options *opts, http_handler handler, void *ctx,
                              struct sg_error *err)
{
	if (opts->port < 0 || opts->port > 65535) {
		error_set(err, SG_EIO, "%s:%d: port out of range", opts->host, opts->port);
		return NULL;
	}
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	srv->handler = handler;
	srv->ctx = ctx;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	pthread_mutex_init(&srv->log_mu, NULL);
	srv->request_ms =
	    opts->request_timeout_ms ? opts->request_timeout_ms : HTTP_DEFAULT_REQUEST_MS;
	unsigned max_conns = opts->max_connections ? opts->max_connections : HTTP_DEFAULT_MAX_CONNS;
	unsigned max_per_ip =
	    opts->max_connections_per_ip ? opts->max_connections_per_ip : HTTP_DEFAULT_MAX_PER_IP;
	unsigned idle_ms = opts->idle_timeout_ms ? opts->idle_timeout_ms : HTTP_DEFAULT_IDLE_MS;
	srv->body_limit = opts->body_limit ? opts->body_limit : 16u * 1024 * 1024;
	srv->unauthorized_status = (unsigned)error_http_status(SG_EUNAUTHENTICATED);
	snprintf(srv->unauthorized, sizeof srv->unauthorized,
	         "{\"error_code\":%d,\"message\":\"Unauthorized\"}",
	         error_confluent_code(SG_EUNAUTHENTICATED));
	/* TLS options for MHD, after the plain ones; just the end without TLS. */
	struct MHD_OptionItem tls_opts[5] = {{MHD_OPTION_END, 0, NULL}};
	if (opts->tls) {
		if (http_tls_load(srv, opts->tls, err) < 0) {
			http_server_free(srv);
			return NULL;
		}
		size_t i = 0;
		tls_opts[i++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
		tls_opts[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
		tls_opts[i++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, HTTP_TLS_PRIORITIES};
		if (srv->tls_trust)
			tls_opts[i++] =
			    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->tls_trust};
		tls_opts[i] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	}

	int is_v6 = 0;
	int fd = http_listen_socket(opts->host, opts->port, &srv->port, &is_v6, err);
	if (fd < 0) {
		http_server_free(srv);
		return NULL;
	}

	unsigned threads = opts->threads;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > 256)
		threads = 256;

	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (is_v6)
		flags |= MHD_USE_IPv6;
	if (opts->tls)
		flags |= MHD_USE_TLS;
	if (pthread_create(&srv->dog, NULL, http_dog_main, srv) != 0) {
		close(fd);
		error_set(err, SG_EIO, "cannot start the HTTP server's watchdog thread");
		http_server_free(srv);
		return NULL;
	}
	srv->dog_running = 1;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, http_access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, http_log, srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY_LIMIT,
	    MHD_OPTION_CONNECTION_LIMIT, max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (idle_ms + 999) / 1000, MHD_OPTION_URI_LOG_CALLBACK,
	    http_uri_cb, srv, MHD_OPTION_NOTIFY_COMPLETED, http_completed_cb, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, http_notify_cb, srv, MHD_OPTION_UNESCAPE_CALLBACK,
	    http_unescape_none, (void *)NULL, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (!srv->daemon) {
		close(fd);
		error_set(err, SG_EIO, "%s:%d: the HTTP server failed to start", opts->host,
		          srv->port);
		http_server_free(srv);
		return NULL;
	}
	return srv;
}

int http_port(const struct http_server *srv)
{
	return srv->port;
}

void http_close(struct http_server *srv)
{
	if (!srv)
		return;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon); /* every connection notified CLOSED */
	http_server_free(srv);
}
