/* registry/forward.c: the functions of registry/forward.h. A request is one
 * blocking libcurl transfer on a handle taken from a small pool. */
#include "registry/forward.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "common/pembundle.h"
#include "registry/leader.h"

#define FORWARD_POOL 8 /* idle handles kept */

struct forward {
	struct leader *leader; /* borrowed */
	long timeout_ms;
	char *ca_pem; /* the CAs to verify an https:// leader, or NULL */
	size_t ca_len;
	char *cert, *key;
	void (*on_relayed)(void *ctx);
	void *ctx;
	pthread_mutex_t mu;
	CURL *idle[FORWARD_POOL];
	size_t nidle;
};

struct forward_buf {
	char *p;
	size_t n, cap;
	int too_big;
};

struct forward *forward_new(struct leader *l, const struct forward_options *o, struct sg_error *err)
{
	static const struct forward_options none;
	if (!o)
		o = &none;
	if (!o->cert != !o->key) {
		error_set(err, SG_EUNPROCESSABLE,
		          "forward: a client certificate and its key come together");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		error_set(err, SG_EINTERNAL, "libcurl could not be initialised");
		return NULL;
	}
	struct forward *f = calloc(1, sizeof *f);
	if (!f) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&f->mu, NULL);
	f->leader = l;
	f->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	f->on_relayed = o->on_relayed;
	f->ctx = o->ctx;
	if (o->ca && !(f->ca_pem = pembundle_read(o->ca, PEMBUNDLE_MAX, &f->ca_len, err))) {
		forward_free(f);
		return NULL;
	}
	if (o->cert && (!(f->cert = strdup(o->cert)) || !(f->key = strdup(o->key)))) {
		error_set(err, SG_ENOMEM, "out of memory");
		forward_free(f);
		return NULL;
	}
	return f;
}

void forward_free(struct forward *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nidle; i++)
		curl_easy_cleanup(f->idle[i]);
	free(f->ca_pem);
	free(f->cert);
	free(f->key);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static CURL *forward_take(struct forward *f)
{
	CURL *h = NULL;
	pthread_mutex_lock(&f->mu);
	if (f->nidle)
		h = f->idle[--f->nidle];
	pthread_mutex_unlock(&f->mu);
	if (h)
		curl_easy_reset(h);
	else
		h = curl_easy_init();
	return h;
}

static void forward_give(struct forward *f, CURL *h)
{
	pthread_mutex_lock(&f->mu);
	if (f->nidle < FORWARD_POOL) {
		f->idle[f->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&f->mu);
	if (h)
		curl_easy_cleanup(h);
}

static size_t forward_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct forward_buf *b = arg;
	size_t len = size * n;
	if (len > FORWARD_MAX_BODY - b->n) {
		b->too_big = 1;
		return 0;
	}
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

/* The response types the API can send, as string literals: the relayed
 * response borrows one. */
static const char *forward_content_type(const char *v)
{
	static const char *const known[] = {"application/vnd.schemaregistry.v1+json",
	                                    "application/vnd.schemaregistry+json",
	                                    "application/json", "text/plain"};
	if (v) {
		size_t n = strcspn(v, "; ");
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strlen(known[i]) == n && strncasecmp(v, known[i], n) == 0)
				return known[i];
	}
	return "application/json";
}

/* Adds "NAME: value" of the request's header NAME to `list`, when present and
 * not blank. Returns -1 out of memory. */
static int forward_header(struct curl_slist **list, const struct http_request *req,
                          const char *name)
{
	const char *v = http_header(req, name);
	if (!v || !v[strspn(v, " \t")])
		return 0;
	size_t len = strlen(name) + strlen(v) + 3;
	char *line = malloc(len);
	if (!line)
		return -1;
	snprintf(line, len, "%s: %s", name, v);
	struct curl_slist *l = curl_slist_append(*list, line);
	free(line);
	if (!l)
		return -1;
	*list = l;
	return 0;
}

int forward_write(struct forward *f, const struct http_request *req, struct http_response *resp,
                  struct sg_error *err)
{
	if (leader_is_leader(f->leader))
		return 0;
	char base[LEADER_URL_MAX];
	if (http_header(req, "X-Forward") || !leader_url(f->leader, base, sizeof base, NULL))
		return error_set(err, SG_ELEADER_UNKNOWN, "no leader is known");
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		base[--blen] = '\0';
	const char *query = req->raw_query ? req->raw_query : "";
	size_t ulen = blen + strlen(req->raw_path) + strlen(query) + 3;
	char *url = malloc(ulen);
	if (!url)
		return error_set(err, SG_ENOMEM, "out of memory");
	snprintf(url, ulen, "%s%s%s%s", base, req->raw_path[0] == '/' ? "" : "/", req->raw_path,
	         query[0] ? "?" : "");
	if (query[0])
		strncat(url, query, ulen - strlen(url) - 1);

	struct curl_slist *headers = NULL;
	int oom = forward_header(&headers, req, "Content-Type") < 0 ||
	          forward_header(&headers, req, "Accept") < 0 ||
	          forward_header(&headers, req, "Authorization") < 0 ||
	          forward_header(&headers, req, "X-Request-ID") < 0;
	struct curl_slist *h2 = oom ? NULL : curl_slist_append(headers, "X-Forward: true");
	/* libcurl adds these unless told not to. */
	struct curl_slist *h3 = h2 ? curl_slist_append(h2, "Expect:") : NULL;
	if (h3 && !http_header(req, "Content-Type"))
		h3 = curl_slist_append(h3, "Content-Type:");
	CURL *h = h3 ? forward_take(f) : NULL;
	if (!h) {
		curl_slist_free_all(h3 ? h3 : h2 ? h2 : headers);
		free(url);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	headers = h3;

	struct forward_buf buf = {0};
	char detail[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, f->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, forward_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0 ||
	    req->body_len > 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		/* POSTFIELDS makes a POST; CUSTOMREQUEST above keeps the method. */
	}
	if (strncasecmp(base, "https://", 8) == 0) {
		curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (f->ca_pem) {
			struct curl_blob blob = {
			    .data = f->ca_pem, .len = f->ca_len, .flags = CURL_BLOB_NOCOPY};
			curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
			curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
			curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		}
		if (f->cert) {
			curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
			curl_easy_setopt(h, CURLOPT_SSLCERT, f->cert);
			curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
			curl_easy_setopt(h, CURLOPT_SSLKEY, f->key);
		}
	}
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	struct curl_header *ct = NULL, *www = NULL;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (curl_easy_header(h, "Content-Type", 0, CURLH_HEADER, -1, &ct) != CURLHE_OK)
			ct = NULL;
		if (curl_easy_header(h, "WWW-Authenticate", 0, CURLH_HEADER, -1, &www) != CURLHE_OK)
			www = NULL;
	}
	const char *ctype = forward_content_type(ct ? ct->value : NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	forward_give(f, h);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK || status < 100) {
		error_set(err, SG_EFORWARD, "forwarding %s %s to %s: %s", req->method,
		          req->raw_path, base,
		          buf.too_big ? "the answer is too large"
		          : detail[0] ? detail
		                      : curl_easy_strerror(rc));
		free(buf.p);
		free(url);
		return -1;
	}
	free(url);
	resp->status = (int)status;
	resp->body = buf.p;
	resp->body_len = buf.n;
	resp->content_type = ctype;
	if (www && resp->nheaders < sizeof resp->headers / sizeof resp->headers[0])
		resp->headers[resp->nheaders++] = "WWW-Authenticate: Basic realm=\"schemagate\"";
	if (status >= 200 && status < 300 && f->on_relayed)
		f->on_relayed(f->ctx);
	return 1;
}
