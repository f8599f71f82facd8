/* gateway/rejections.c: the ring of recent rejections (see rejections.h). */
#include "gateway/rejections.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rej_entry {
	char topic[REJECTIONS_TOPIC_MAX];
	char client_id[REJECTIONS_CLIENT_MAX];
	char client_addr[REJECTIONS_ADDR_MAX];
	char reason[REJECTIONS_REASON_MAX];
	char message[REJECTIONS_MESSAGE_MAX];
	int32_t partition, records, rejected, first;
	int shadow;
	int64_t time_ms;
};

struct rejections {
	pthread_mutex_t mu;
	struct rej_entry *ring;
	size_t cap;
	uint64_t total; /* entries ever added; the next goes to ring[total % cap] */
};

struct rejections *rejections_new(size_t capacity)
{
	struct rejections *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->cap = capacity ? capacity : REJECTIONS_DEFAULT_CAPACITY;
	r->ring = calloc(r->cap, sizeof *r->ring);
	if (!r->ring) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void rejections_free(struct rejections *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->ring);
	free(r);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */
static size_t rej_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

/* Copies `src` into `dst` of size `cap` as valid UTF-8 without NULs: invalid
 * bytes become '?'; a string that does not fit is cut on a character
 * boundary and ends with "...". */
static void rej_copy(char *dst, size_t cap, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t n = strlen((const char *)s), at = 0, i = 0;
	while (i < n) {
		size_t l = rej_utf8_len(s + i, n - i);
		size_t w = l ? l : 1;
		if (at + w > cap - 1)
			break;
		if (l)
			memcpy(dst + at, s + i, l);
		else
			dst[at] = '?';
		at += w;
		i += l ? l : 1;
	}
	if (i < n) {
		/* Cut: back up to make room for "..." on a character boundary. */
		while (at > 0 && at + 3 > cap - 1) {
			at--;
			while (at > 0 && ((unsigned char)dst[at] & 0xC0) == 0x80)
				at--;
		}
		if (at + 3 <= cap - 1) {
			memcpy(dst + at, "...", 3);
			at += 3;
		}
	}
	dst[at] = '\0';
}

static int64_t rej_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rejections_add(struct rejections *r, const struct rejection *e)
{
	struct rej_entry x;
	rej_copy(x.topic, sizeof x.topic, e->topic);
	rej_copy(x.client_id, sizeof x.client_id, e->client_id);
	rej_copy(x.client_addr, sizeof x.client_addr, e->client_addr);
	rej_copy(x.reason, sizeof x.reason, e->reason);
	rej_copy(x.message, sizeof x.message, e->message);
	x.partition = e->partition;
	x.records = e->records;
	x.rejected = e->rejected;
	x.first = e->first;
	x.shadow = e->shadow;
	x.time_ms = e->time_ms ? e->time_ms : rej_now_ms();
	pthread_mutex_lock(&r->mu);
	r->ring[r->total % r->cap] = x;
	r->total++;
	pthread_mutex_unlock(&r->mu);
}

uint64_t rejections_total(struct rejections *r)
{
	pthread_mutex_lock(&r->mu);
	uint64_t t = r->total;
	pthread_mutex_unlock(&r->mu);
	return t;
}

static json_t *rej_entry_json(const struct rej_entry *x)
{
	char iso[40];
	time_t secs = (time_t)(x->time_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(iso + n, sizeof iso - n, ".%03dZ", (int)(x->time_ms % 1000));
	return json_pack("{s:s, s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "time",
	                 iso, "time_ms", (json_int_t)x->time_ms, "topic", x->topic, "partition",
	                 (int)x->partition, "client_id", x->client_id, "client_address",
	                 x->client_addr, "mode", x->shadow ? "shadow" : "enforce", "reason",
	                 x->reason, "message", x->message, "records", (int)x->records,
	                 "rejected_records", (int)x->rejected, "first_rejected_record",
	                 (int)x->first);
}

char *rejections_json(struct rejections *r, const char *topic, size_t limit, size_t *len)
{
	if (limit == 0)
		limit = REJECTIONS_DEFAULT_LIMIT;
	if (limit > r->cap)
		limit = r->cap;
	struct rej_entry *pick = malloc(limit * sizeof *pick);
	if (!pick)
		return NULL;
	size_t n = 0;
	pthread_mutex_lock(&r->mu);
	uint64_t total = r->total;
	uint64_t have = total < r->cap ? total : r->cap;
	for (uint64_t k = 0; k < have && n < limit; k++) {
		const struct rej_entry *x = &r->ring[(total - 1 - k) % r->cap];
		if (!topic || strcmp(x->topic, topic) == 0)
			pick[n++] = *x;
	}
	pthread_mutex_unlock(&r->mu);

	char *out = NULL;
	json_t *list = json_array();
	json_t *root = json_pack("{s:o, s:I, s:I}", "rejections", list, "total", (json_int_t)total,
	                         "capacity", (json_int_t)r->cap);
	if (!root)
		goto done;
	for (size_t i = 0; i < n; i++) {
		json_t *o = rej_entry_json(&pick[i]);
		if (!o || json_array_append_new(list, o) != 0)
			goto done;
	}
	out = json_dumps(root, JSON_COMPACT);
	if (out && len)
		*len = strlen(out);
done:
	json_decref(root);
	free(pick);
	return out;
}

/* ---- the log line ---- */

struct rej_buf {
	char *p;
	size_t cap, len;
};

static void rej_put(struct rej_buf *b, const char *s, size_t n)
{
	if (b->cap == 0)
		return;
	size_t room = b->cap - 1 - b->len;
	if (n > room)
		n = room;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void rej_puts(struct rej_buf *b, const char *s)
{
	rej_put(b, s, strlen(s));
}

/* Appends " key=value", quoting the value when it needs it. */
static void rej_kv(struct rej_buf *b, const char *key, const char *value)
{
	const char *v = value ? value : "";
	int quote = *v == '\0';
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			quote = 1;
	if (b->len)
		rej_puts(b, " ");
	rej_puts(b, key);
	rej_puts(b, "=");
	if (!quote) {
		rej_puts(b, v);
		return;
	}
	rej_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"':
			rej_puts(b, "\\\"");
			break;
		case '\\':
			rej_puts(b, "\\\\");
			break;
		case '\n':
			rej_puts(b, "\\n");
			break;
		case '\t':
			rej_puts(b, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof esc, "\\u%04x", *p);
				rej_puts(b, esc);
			} else {
				rej_put(b, (const char *)p, 1);
			}
		}
	}
	rej_puts(b, "\"");
}

static void rej_kd(struct rej_buf *b, const char *key, long long v)
{
	char num[24];
	snprintf(num, sizeof num, "%lld", v);
	rej_kv(b, key, num);
}

size_t rejections_log_line(const struct rejection *e, char *out, size_t cap)
{
	struct rej_buf b = {out, cap, 0};
	if (cap)
		out[0] = '\0';
	rej_kv(&b, "event", e->event ? e->event : "rejection");
	rej_kv(&b, "mode", e->shadow ? "shadow" : "enforce");
	rej_kv(&b, "topic", e->topic);
	rej_kd(&b, "partition", e->partition);
	rej_kv(&b, "client_id", e->client_id);
	rej_kv(&b, "client", e->client_addr);
	rej_kd(&b, "records", e->records);
	rej_kd(&b, "rejected", e->rejected);
	rej_kd(&b, "first", e->first);
	rej_kv(&b, "reason", e->reason);
	rej_kv(&b, "message", e->message);
	return b.len;
}
