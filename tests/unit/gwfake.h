/* tests/unit/gwfake.h: helpers shared by the gateway validation tests
 * (header-only; include from one file per test program).
 *
 * - fakereg: an in-memory schema registry behind the schemasource backend
 *   interface. It keeps real registrations (subjects, versions, soft
 *   deletes, references, ids shared by identical schemas) and answers the
 *   three lookups as Confluent does; the schemas themselves are parsed by
 *   schemasource with schema_parse(), so a wrong schema fails as it would
 *   in production. It can be taken down (every call fails with
 *   SG_EUNAVAILABLE), slowed down, and counts its calls.
 * - tb_*: a RecordBatch v2 builder (optionally gzip-compressed, or a control
 *   batch), independent of gateway/kwriter.
 * - av_*: a tiny Avro binary encoder for the orders record.
 */
#ifndef SG_TESTS_GWFAKE_H
#define SG_TESTS_GWFAKE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "gateway/schemasource.h"

/* ---- the in-memory registry ---- */

#define FAKE_MAX 512

struct fake_schema {
	int64_t id;
	enum schema_type type;
	char *text;
	struct schemasource_ref refs[4];
	size_t nrefs;
};

struct fake_version {
	char *subject;
	int version;
	int64_t id;
	int deleted;
};

struct fakereg {
	pthread_mutex_t mu;
	struct fake_schema schemas[FAKE_MAX];
	size_t nschemas;
	struct fake_version versions[FAKE_MAX];
	size_t nversions;
	atomic_int down;
	atomic_int delay_ms;
	atomic_int calls_by_id, calls_subjects, calls_version;
};

static inline void fake_init(struct fakereg *f)
{
	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
}

static inline void fake_fini(struct fakereg *f)
{
	for (size_t i = 0; i < f->nschemas; i++) {
		free(f->schemas[i].text);
		for (size_t k = 0; k < f->schemas[i].nrefs; k++) {
			free((char *)f->schemas[i].refs[k].name);
			free((char *)f->schemas[i].refs[k].subject);
		}
	}
	for (size_t i = 0; i < f->nversions; i++)
		free(f->versions[i].subject);
	pthread_mutex_destroy(&f->mu);
}

/* Registers `text` under `subject` (refs: name, subject, version triples).
 * Identical schemas share an id; re-registering the latest is a no-op.
 * Returns the id. */
static inline int64_t fake_register(struct fakereg *f, const char *subject, enum schema_type type,
                                    const char *text, const struct schemasource_ref *refs,
                                    size_t nrefs)
{
	pthread_mutex_lock(&f->mu);
	struct fake_schema *s = NULL;
	for (size_t i = 0; i < f->nschemas; i++)
		if (f->schemas[i].type == type && strcmp(f->schemas[i].text, text) == 0)
			s = &f->schemas[i];
	if (!s) {
		s = &f->schemas[f->nschemas];
		s->id = (int64_t)++f->nschemas;
		s->type = type;
		s->text = strdup(text);
		for (size_t k = 0; k < nrefs && k < 4; k++) {
			s->refs[k].name = strdup(refs[k].name);
			s->refs[k].subject = strdup(refs[k].subject);
			s->refs[k].version = refs[k].version;
		}
		s->nrefs = nrefs;
	}
	int latest = 0;
	int64_t latest_id = 0;
	for (size_t i = 0; i < f->nversions; i++) {
		struct fake_version *v = &f->versions[i];
		if (strcmp(v->subject, subject) == 0 && v->version > latest) {
			latest = v->version;
			latest_id = v->deleted ? 0 : v->id;
		}
	}
	if (latest_id != s->id) {
		struct fake_version *v = &f->versions[f->nversions++];
		v->subject = strdup(subject);
		v->version = latest + 1;
		v->id = s->id;
		v->deleted = 0;
	}
	int64_t id = s->id;
	pthread_mutex_unlock(&f->mu);
	return id;
}

/* Soft-deletes every version of `subject`. */
static inline void fake_delete_subject(struct fakereg *f, const char *subject)
{
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->nversions; i++)
		if (strcmp(f->versions[i].subject, subject) == 0)
			f->versions[i].deleted = 1;
	pthread_mutex_unlock(&f->mu);
}

static inline int fake_enter(struct fakereg *f, atomic_int *counter, struct sg_error *err)
{
	atomic_fetch_add(counter, 1);
	int d = atomic_load(&f->delay_ms);
	if (d > 0) {
		struct timespec ts = {d / 1000, (long)(d % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&f->down))
		return error_set(err, SG_EUNAVAILABLE,
		                 "cannot reach fake registry: connection refused");
	pthread_mutex_lock(&f->mu);
	return 0;
}

static inline int fake_text(const struct fake_schema *s, int version, schemasource_text_fn fn,
                            void *arg, struct sg_error *err)
{
	struct schemasource_text t = {.id = s->id,
	                              .version = version,
	                              .type = s->type,
	                              .text = s->text,
	                              .len = strlen(s->text),
	                              .refs = s->refs,
	                              .nrefs = s->nrefs};
	return fn(arg, &t, err) < 0 ? -1 : 1;
}

static inline int fake_by_id(void *ctx, int64_t id, schemasource_text_fn fn, void *arg,
                             struct sg_error *err)
{
	struct fakereg *f = ctx;
	if (fake_enter(f, &f->calls_by_id, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < f->nschemas; i++)
		if (f->schemas[i].id == id)
			rc = fake_text(&f->schemas[i], 0, fn, arg, err);
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static inline int fake_subjects(void *ctx, int64_t id, schemasource_version_fn fn, void *arg,
                                struct sg_error *err)
{
	struct fakereg *f = ctx;
	if (fake_enter(f, &f->calls_subjects, err))
		return -1;
	int found = 0;
	for (size_t i = 0; i < f->nschemas; i++)
		found |= f->schemas[i].id == id;
	int rc = found;
	for (size_t i = 0; found && i < f->nversions; i++)
		if (f->versions[i].id == id && !f->versions[i].deleted &&
		    fn(arg, f->versions[i].subject, f->versions[i].version) < 0) {
			rc = error_set(err, SG_ENOMEM, "out of memory");
			break;
		}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static inline int fake_version(void *ctx, const char *subject, int version, schemasource_text_fn fn,
                               void *arg, struct sg_error *err)
{
	struct fakereg *f = ctx;
	if (fake_enter(f, &f->calls_version, err))
		return -1;
	const struct fake_version *hit = NULL;
	for (size_t i = 0; i < f->nversions; i++) {
		const struct fake_version *v = &f->versions[i];
		if (strcmp(v->subject, subject) != 0)
			continue;
		if (version < 0 ? (!v->deleted && (!hit || v->version > hit->version))
		                : v->version == version)
			hit = v;
	}
	int rc = 0;
	if (hit)
		for (size_t i = 0; i < f->nschemas; i++)
			if (f->schemas[i].id == hit->id)
				rc = fake_text(&f->schemas[i], hit->version, fn, arg, err);
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static inline struct schemasource_backend fake_backend(struct fakereg *f)
{
	struct schemasource_backend b = {
	    .schema_by_id = fake_by_id,
	    .subjects_by_id = fake_subjects,
	    .subject_version = fake_version,
	    .ctx = f,
	};
	return b;
}

/* A test clock the schemasource options can use. */
static inline uint64_t fake_clock(void *arg)
{
	return atomic_load((atomic_uint_fast64_t *)arg);
}

/* ---- buffers ---- */

struct tb {
	uint8_t *p;
	size_t len, cap;
};

static inline void tb_put(struct tb *e, const void *p, size_t n)
{
	if (e->len + n > e->cap) {
		e->cap = (e->len + n) * 2 + 64;
		e->p = realloc(e->p, e->cap);
		if (!e->p)
			abort();
	}
	if (n)
		memcpy(e->p + e->len, p, n);
	e->len += n;
}

static inline void tb_be(struct tb *e, uint64_t v, int n)
{
	uint8_t b[8];
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	tb_put(e, b, (size_t)n);
}

static inline void tb_uv(struct tb *e, uint64_t v)
{
	do {
		uint8_t b = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b |= 0x80;
		tb_put(e, &b, 1);
	} while (v);
}

static inline void tb_zz(struct tb *e, int64_t v)
{
	tb_uv(e, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* ---- record batches ---- */

/* One record: key and value (len -1 = null), one optional header. */
struct tb_rec {
	const void *key;
	int32_t klen;
	const void *val;
	int32_t vlen;
	const char *hkey, *hval;
};

static inline void tb_record(struct tb *e, int i, const struct tb_rec *r)
{
	struct tb body = {0};
	uint8_t zero = 0;
	tb_put(&body, &zero, 1);
	tb_zz(&body, i);
	tb_zz(&body, i);
	tb_zz(&body, r->klen);
	if (r->klen > 0)
		tb_put(&body, r->key, (size_t)r->klen);
	tb_zz(&body, r->vlen);
	if (r->vlen > 0)
		tb_put(&body, r->val, (size_t)r->vlen);
	tb_zz(&body, r->hkey ? 1 : 0);
	if (r->hkey) {
		tb_zz(&body, (int64_t)strlen(r->hkey));
		tb_put(&body, r->hkey, strlen(r->hkey));
		tb_zz(&body, r->hval ? (int64_t)strlen(r->hval) : -1);
		if (r->hval)
			tb_put(&body, r->hval, strlen(r->hval));
	}
	tb_zz(e, (int64_t)body.len);
	tb_put(e, body.p, body.len);
	free(body.p);
}

static uint32_t tb_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static inline struct tb tb_gzip(const struct tb *in)
{
	struct tb out = {0};
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	out.cap = deflateBound(&z, in->len) + 64;
	out.p = malloc(out.cap);
	z.next_in = in->p;
	z.avail_in = (uInt)in->len;
	z.next_out = out.p;
	z.avail_out = (uInt)out.cap;
	deflate(&z, Z_FINISH);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

enum { TB_PLAIN = 0, TB_GZIP = 1, TB_CONTROL = 2 };

/* A v2 batch around `records` (n encoded records, taken: freed here) with
 * `attributes`: header, length and CRC filled in (caller frees .p). */
static inline struct tb tb_seal(struct tb records, int n, int16_t attributes)
{
	struct tb b = {0};
	tb_be(&b, 0, 8);
	tb_be(&b, 0, 4);
	tb_be(&b, 0, 4);
	tb_be(&b, 2, 1);
	tb_be(&b, 0, 4);
	tb_be(&b, (uint16_t)attributes, 2);
	tb_be(&b, (uint32_t)(n > 0 ? n - 1 : 0), 4);
	tb_be(&b, 1700000000000ull, 8);
	tb_be(&b, 1700000000000ull, 8);
	tb_be(&b, (uint64_t)-1, 8);
	tb_be(&b, (uint16_t)-1, 2);
	tb_be(&b, (uint32_t)-1, 4);
	tb_be(&b, (uint32_t)n, 4);
	tb_put(&b, records.p, records.len);
	free(records.p);
	uint32_t len = (uint32_t)(b.len - 12);
	for (int i = 0; i < 4; i++)
		b.p[8 + i] = (uint8_t)(len >> (24 - 8 * i));
	uint32_t crc = tb_crc32c(b.p + 21, b.len - 21);
	for (int i = 0; i < 4; i++)
		b.p[17 + i] = (uint8_t)(crc >> (24 - 8 * i));
	return b;
}

/* A sealed v2 batch of `n` records (caller frees .p). */
static inline struct tb tb_batch(const struct tb_rec *recs, int n, int flags)
{
	struct tb records = {0};
	for (int i = 0; i < n; i++)
		tb_record(&records, i, &recs[i]);
	if (flags & TB_GZIP) {
		struct tb z = tb_gzip(&records);
		free(records.p);
		records = z;
	}
	int16_t attributes =
	    (int16_t)(((flags & TB_GZIP) ? 1 : 0) | ((flags & TB_CONTROL) ? 0x30 : 0));
	return tb_seal(records, n, attributes);
}

/* ---- Avro and framing ---- */

/* Confluent framing: magic 0, the id, then `payload`. */
static inline struct tb tb_framed(int64_t id, const void *payload, size_t n)
{
	struct tb t = {0};
	tb_be(&t, 0, 1);
	tb_be(&t, (uint64_t)id, 4);
	tb_put(&t, payload, n);
	return t;
}

/* com.acme.Order: order_id string, amount double, currency enum {EUR, USD},
 * status union {null, string}. */
#define AV_ORDER_SCHEMA                                                                            \
	"{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":["          \
	"{\"name\":\"order_id\",\"type\":\"string\"},"                                             \
	"{\"name\":\"amount\",\"type\":\"double\"},"                                               \
	"{\"name\":\"currency\",\"type\":{\"type\":\"enum\",\"name\":\"Currency\","                \
	"\"symbols\":[\"EUR\",\"USD\"]}},"                                                         \
	"{\"name\":\"status\",\"type\":[\"null\",\"string\"],\"default\":null}]}"

static inline void av_string(struct tb *t, const char *s)
{
	tb_zz(t, (int64_t)strlen(s));
	tb_put(t, s, strlen(s));
}

static inline void av_double(struct tb *t, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	for (int i = 0; i < 8; i++) {
		uint8_t b = (uint8_t)(u >> (8 * i));
		tb_put(t, &b, 1);
	}
}

/* An order; currency index and union branch may be out of range on purpose;
 * status NULL encodes the null branch. */
static inline struct tb av_order(const char *id, double amount, int currency, const char *status)
{
	struct tb t = {0};
	av_string(&t, id);
	av_double(&t, amount);
	tb_zz(&t, currency);
	if (status) {
		tb_zz(&t, 1);
		av_string(&t, status);
	} else {
		tb_zz(&t, 0);
	}
	return t;
}

#endif
