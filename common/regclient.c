/* common/regclient.c: a blocking registry client over one libcurl handle. */
#include "common/regclient.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "common/pembundle.h"
#include "common/readfile.h"

struct regclient {
	CURL *curl;
	char *base;  /* as given, trailing '/' removed; may hold a password */
	char *shown; /* base without the userinfo's password */
	char *user;  /* who the credentials name (options, else the URL); NULL: none */
	long timeout_ms;
	int https;
	char *ca_path; /* as given, for messages; NULL: the system store */
	char *ca_pem;  /* the certificates of ca_path (common/pembundle) */
	size_t ca_len;
	char *cert, *key; /* client certificate and key files, or NULL */
	char *basic;      /* "USER:PASSWORD" or NULL */
};

struct regclient_buf {
	char *p;
	size_t n, cap;
	int too_big;
};

/* ---- the URL and the credentials ---- */

/* Fills c->shown (the URL without the userinfo's password) and, when the URL
 * names a user, c->user. With Basic credentials in the options, the URL's
 * userinfo is dropped from c->base too: the options' credentials are the ones
 * sent. */
static int regclient_parse_url(struct regclient *c)
{
	const char *b = c->base;
	const char *auth = strstr(b, "://");
	auth = auth ? auth + 3 : b;
	c->https = strncasecmp(b, "https://", 8) == 0;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *p = auth; p < auth + alen; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return (c->shown = strdup(b)) ? 0 : -1;
	const char *colon = memchr(auth, ':', (size_t)(at - auth));
	size_t ulen = colon ? (size_t)(colon - auth) : (size_t)(at - auth);
	size_t head = (size_t)(auth - b);
	c->shown = malloc(strlen(b) + 1);
	if (!c->shown)
		return -1;
	if (c->basic) {
		memmove(c->base + head, at + 1, strlen(at + 1) + 1);
		strcpy(c->shown, c->base);
		return 0;
	}
	memcpy(c->shown, b, head + ulen);
	strcpy(c->shown + head + ulen, at);
	if (ulen > 0 && !(c->user = strndup(auth, ulen)))
		return -1;
	return 0;
}

struct regclient *regclient_new(const char *base_url, const struct regclient_options *o,
                                struct sg_error *err)
{
	static int curl_ready;
	static const struct regclient_options none;
	if (!o)
		o = &none;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			error_set(err, SG_EINTERNAL, "libcurl could not be initialised");
			return NULL;
		}
		curl_ready = 1;
	}
	struct regclient *c = calloc(1, sizeof *c);
	if (!c || !(c->curl = curl_easy_init()) || !(c->base = strdup(base_url)))
		goto nomem;
	size_t n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	if (o->basic_auth) {
		const char *colon = strchr(o->basic_auth, ':');
		if (!colon || colon == o->basic_auth) {
			error_set(err, SG_EBAD_REQUEST,
			          "Basic credentials must be USER:PASSWORD (with a user)");
			goto fail;
		}
		if (!(c->basic = strdup(o->basic_auth)) ||
		    !(c->user = strndup(o->basic_auth, (size_t)(colon - o->basic_auth))))
			goto nomem;
	}
	if (regclient_parse_url(c) < 0)
		goto nomem;
	if ((o->ca || o->cert || o->key) && !c->https) {
		error_set(
		    err, SG_EBAD_REQUEST,
		    "%s: the registry's CA, client certificate and key apply to https:// only",
		    c->shown);
		goto fail;
	}
	if (!o->cert != !o->key) {
		error_set(err, SG_EBAD_REQUEST, "a client certificate and its key go together");
		goto fail;
	}
	if (o->ca) {
		if (!(c->ca_path = strdup(o->ca)))
			goto nomem;
		/* One bundle, given to libcurl as a blob: its CURLOPT_CAPATH would
		 * need OpenSSL's hashed names, which a Kubernetes Secret has not. */
		if (!(c->ca_pem = pembundle_read(c->ca_path, REGCLIENT_CA_MAX, &c->ca_len, err))) {
			error_prefix(err, SG_EIO, "the registry's CA: ");
			goto fail;
		}
	}
	if (o->cert) {
		/* Read now so that a missing or unreadable file is said at once. */
		char *t;
		if (!(t = readfile(o->cert, REGCLIENT_CA_MAX, NULL, err))) {
			error_prefix(err, SG_EIO, "the registry client certificate: ");
			goto fail;
		}
		free(t);
		if (!(t = readfile(o->key, REGCLIENT_CA_MAX, NULL, err))) {
			error_prefix(err, SG_EIO, "the registry client key: ");
			goto fail;
		}
		free(t);
		if (!(c->cert = strdup(o->cert)) || !(c->key = strdup(o->key)))
			goto nomem;
	}
	return c;
nomem:
	error_set(err, SG_ENOMEM, "out of memory");
fail:
	regclient_free(c);
	return NULL;
}

void regclient_free(struct regclient *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->base);
	free(c->shown);
	free(c->user);
	free(c->ca_path);
	free(c->ca_pem);
	free(c->cert);
	free(c->key);
	if (c->basic) {
		/* The password does not outlive the client in freed memory. */
		volatile char *p = c->basic;
		while (*p)
			*p++ = '\0';
		free(c->basic);
	}
	free(c);
}

const char *regclient_url(const struct regclient *c)
{
	return c->shown;
}

static size_t regclient_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct regclient_buf *b = ud;
	size_t len = size * nmemb;
	if (b->n + len + 1 > REGCLIENT_MAX_BODY) {
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

int regclient_escape(const char *segment, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)segment; *s; s++) {
		int plain = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		            (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' ||
		            *s == '~';
		if (n + (plain ? 1 : 3) >= cap)
			return -1;
		if (plain) {
			out[n++] = (char)*s;
		} else {
			out[n++] = '%';
			out[n++] = hex[*s >> 4];
			out[n++] = hex[*s & 15];
		}
	}
	if (n >= cap)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Sets the TLS and credential options on the (reset) handle. */
static void regclient_setopt_tls(struct regclient *c, CURL *h)
{
	if (c->https) {
		curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (c->ca_pem) {
			/* Only these CAs: no system file or folder next to them. */
			struct curl_blob blob = {
			    .data = c->ca_pem, .len = c->ca_len, .flags = CURL_BLOB_NOCOPY};
			curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
			curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
			curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		}
		if (c->cert) {
			curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
			curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
			curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
			curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
		}
	}
	if (c->basic) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, c->basic);
	}
}

/* Whether libcurl's message `msg` says the server refused our handshake for
 * want of a (good) client certificate: TLS alerts 42, 48, 116 and 40. */
static int regclient_cert_alert(const char *msg)
{
	return strstr(msg, "certificate required") || strstr(msg, "bad certificate") ||
	       strstr(msg, "unknown ca") || strstr(msg, "handshake failure") ||
	       strstr(msg, "certificate unknown");
}

/* One line for a transport failure `rc` of a request to `url`. */
static void regclient_transport_error(struct regclient *c, const char *url, CURLcode rc,
                                      const char *detail, struct sg_error *err)
{
	const char *why = *detail ? detail : curl_easy_strerror(rc);
	if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		if (c->ca_path)
			error_set(err, SG_EUNAVAILABLE,
			          "cannot reach %s: the registry's certificate does not verify "
			          "against the CAs in %s: %s",
			          url, c->ca_path, why);
		else
			error_set(err, SG_EUNAVAILABLE,
			          "cannot reach %s: the registry's certificate does not verify "
			          "against the system's CAs (give the registry's CA): %s",
			          url, why);
	} else if (rc == CURLE_SSL_CERTPROBLEM) {
		error_set(err, SG_EUNAVAILABLE,
		          "cannot reach %s: the client certificate %s or its key %s cannot be "
		          "used: %s",
		          url, c->cert ? c->cert : "", c->key ? c->key : "", why);
	} else if (c->https && regclient_cert_alert(why)) {
		if (c->cert)
			error_set(err, SG_EUNAVAILABLE,
			          "cannot reach %s: the registry refused the client certificate "
			          "%s: %s",
			          url, c->cert, why);
		else
			error_set(err, SG_EUNAVAILABLE,
			          "cannot reach %s: the registry requires a client certificate, "
			          "and none was given: %s",
			          url, why);
	} else {
		error_set(err, SG_EUNAVAILABLE, "cannot reach %s: %s", url, why);
	}
}

/* The error of an answer >= 400: 401 and 403 say whose credentials. A 401
 * without a WWW-Authenticate challenge over https:// is about the client
 * certificate (our registry answers so when one is required and missing, or
 * does not verify), one with a challenge about HTTP credentials. */
static void regclient_status_error(struct regclient *c, const char *method, const char *url,
                                   int status, int challenged, const json_t *body,
                                   struct sg_error *err)
{
	const char *msg = body ? json_string_value(json_object_get(body, "message")) : NULL;
	json_int_t ec = body ? json_integer_value(json_object_get(body, "error_code")) : 0;
	int code = error_from_confluent((int)ec, status);
	char said[300] = "";
	if (msg)
		snprintf(said, sizeof said, ": %.200s (error_code %lld)", msg, (long long)ec);
	else
		snprintf(said, sizeof said, ": HTTP %d", status);
	if (status == 401 && c->https && !challenged && !c->cert)
		error_set(err, code,
		          "%s %s: the registry requires a client certificate, and none was "
		          "given%s",
		          method, url, said);
	else if (status == 401 && c->https && !challenged)
		error_set(err, code, "%s %s: the registry refused the client certificate %s%s",
		          method, url, c->cert, said);
	else if (status == 401 && c->user)
		error_set(err, code, "%s %s: the registry refused the credentials for user %s%s",
		          method, url, c->user, said);
	else if (status == 401 && c->cert)
		error_set(err, code,
		          "%s %s: the registry wants credentials: it did not take the client "
		          "certificate %s, and no Basic credentials were given%s",
		          method, url, c->cert, said);
	else if (status == 401)
		error_set(err, code,
		          "%s %s: the registry wants credentials (Basic, or a client "
		          "certificate), and none were given%s",
		          method, url, said);
	else if (status == 403)
		error_set(err, code, "%s %s: the registry does not allow this to %s%s", method, url,
		          c->user   ? c->user
		          : c->cert ? "the client certificate's subject"
		                    : "an anonymous client",
		          said);
	else
		error_set(err, code, "%s %s%s", method, url, said);
}

int regclient_request(struct regclient *c, const char *method, const char *path, const json_t *body,
                      json_t **out, struct sg_error *err)
{
	*out = NULL;
	char *url = malloc(strlen(c->base) + strlen(path) + 1);
	char *shown = malloc(strlen(c->shown) + strlen(path) + 1);
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct regclient_buf buf = {0};
	struct curl_slist *headers = NULL;
	char detail[CURL_ERROR_SIZE] = "";
	int status = -1;
	if (!url || !shown || (body && !payload)) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto done;
	}
	strcpy(url, c->base);
	strcat(url, path);
	strcpy(shown, c->shown);
	strcat(shown, path);

	headers = curl_slist_append(
	    headers, "Accept: application/vnd.schemaregistry.v1+json, application/json");
	if (payload)
		headers = curl_slist_append(headers,
		                            "Content-Type: application/vnd.schemaregistry.v1+json");
	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, regclient_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	regclient_setopt_tls(c, h);
	if (payload) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	}
	CURLcode rc = curl_easy_perform(h);
	if (buf.too_big) {
		error_set(err, SG_ELIMIT, "%s: response larger than %u bytes", shown,
		          (unsigned)REGCLIENT_MAX_BODY);
		goto done;
	}
	if (rc != CURLE_OK) {
		regclient_transport_error(c, shown, rc, detail, err);
		goto done;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	status = (int)code;
	if (buf.n > 0)
		*out = json_loadb(buf.p, buf.n, JSON_DECODE_ANY, NULL);
	if (status >= 400) {
		struct curl_header *hdr;
		int challenged =
		    status == 401 &&
		    curl_easy_header(h, "WWW-Authenticate", 0, CURLH_HEADER, -1, &hdr) == CURLHE_OK;
		regclient_status_error(c, method, shown, status, challenged, *out, err);
	}
done:
	/* The handle keeps no pointer into this call's buffers past here. */
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	free(payload);
	free(buf.p);
	free(url);
	free(shown);
	return status;
}
