/* common/regclient.c: a blocking registry client over one libcurl handle. */
#include "common/regclient.h"

#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

struct regclient {
	CURL *curl;
	char *base;
	long timeout_ms;
};

struct regclient_buf {
	char *p;
	size_t n, cap;
	int too_big;
};

struct regclient *regclient_new(const char *base_url, long timeout_ms, struct sg_error *err)
{
	static int curl_ready;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			error_set(err, SG_EINTERNAL, "libcurl could not be initialised");
			return NULL;
		}
		curl_ready = 1;
	}
	struct regclient *c = calloc(1, sizeof *c);
	if (!c || !(c->curl = curl_easy_init()) || !(c->base = strdup(base_url))) {
		regclient_free(c);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	size_t n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	return c;
}

void regclient_free(struct regclient *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->base);
	free(c);
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

int regclient_request(struct regclient *c, const char *method, const char *path, const json_t *body,
                      json_t **out, struct sg_error *err)
{
	*out = NULL;
	char *url = malloc(strlen(c->base) + strlen(path) + 1);
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct regclient_buf buf = {0};
	struct curl_slist *headers = NULL;
	int status = -1;
	if (!url || (body && !payload)) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto done;
	}
	strcpy(url, c->base);
	strcat(url, path);

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
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (payload) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	}
	CURLcode rc = curl_easy_perform(h);
	if (buf.too_big) {
		error_set(err, SG_ELIMIT, "%s: response larger than %u bytes", url,
		          (unsigned)REGCLIENT_MAX_BODY);
		goto done;
	}
	if (rc != CURLE_OK) {
		error_set(err, SG_EUNAVAILABLE, "cannot reach %s: %s", url, curl_easy_strerror(rc));
		goto done;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	status = (int)code;
	if (buf.n > 0)
		*out = json_loadb(buf.p, buf.n, JSON_DECODE_ANY, NULL);
	if (status >= 400) {
		const char *msg = *out ? json_string_value(json_object_get(*out, "message")) : NULL;
		json_int_t ec = *out ? json_integer_value(json_object_get(*out, "error_code")) : 0;
		int sgcode = error_from_confluent((int)ec, status);
		if (msg)
			error_set(err, sgcode, "%s %s: %s (error_code %lld)", method, url, msg,
			          (long long)ec);
		else
			error_set(err, sgcode, "%s %s: HTTP %d", method, url, status);
	}
done:
	curl_slist_free_all(headers);
	free(payload);
	free(buf.p);
	free(url);
	return status;
}
