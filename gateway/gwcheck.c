/* gateway/gwcheck.c: the validation engine (see gwcheck.h). */
#include "gateway/gwcheck.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/schema.h"
#include "gateway/deadletter.h"
#include "gateway/framing.h"
#include "gateway/kcompress.h"
#include "gateway/kreader.h"
#include "gateway/metrics.h"
#include "gateway/records.h"
#include "gateway/rejections.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"

/* Topic -> rule memo entries per scratch (direct-mapped). */
#define GWC_RULE_MEMO 64
/* A subject: a topic, '-', and a record name or "value"/"key". */
#define GWC_SUBJECT_MAX (RULES_CONTEXT_MAX + 2 + RULES_TOPIC_MAX + 2 + SCHEMASOURCE_SUBJECT_MAX)
/* Keeps a function that holds a buffer out of the per-record path: its
 * caller would pay for the buffer's stack guard on every record. */
#define GWC_COLD __attribute__((cold, noinline))

const char *const gwcheck_reason_names[GWCHECK_REASON_COUNT] = {
    [GWCHECK_REASON_NONE] = "none",
    [GWCHECK_REASON_BATCH] = "batch",
    [GWCHECK_REASON_FRAMING] = "framing",
    [GWCHECK_REASON_FORMAT] = "format",
    [GWCHECK_REASON_TOMBSTONE] = "tombstone",
    [GWCHECK_REASON_NO_SUBJECT] = "no_subject",
    [GWCHECK_REASON_UNKNOWN_ID] = "unknown_id",
    [GWCHECK_REASON_WRONG_SUBJECT] = "wrong_subject",
    [GWCHECK_REASON_RECORD_NAME] = "record_name",
    [GWCHECK_REASON_SCHEMA] = "schema_unusable",
    [GWCHECK_REASON_AVRO] = "avro_invalid",
    [GWCHECK_REASON_JSON_SYNTAX] = "json_syntax",
    [GWCHECK_REASON_JSON] = "json_invalid",
    [GWCHECK_REASON_PROTOBUF] = "protobuf_invalid",
    [GWCHECK_REASON_TOO_MANY_IDS] = "too_many_ids",
    [GWCHECK_REASON_UNAVAILABLE] = "registry_unavailable",
};

const char *gwcheck_reason_name(enum gwcheck_reason r)
{
	return (unsigned)r < GWCHECK_REASON_COUNT ? gwcheck_reason_names[r] : "unknown";
}

const char *gwcheck_outcome_name(enum gwcheck_outcome o)
{
	switch (o) {
	case GWCHECK_ACCEPT:
		return "accept";
	case GWCHECK_REJECT:
		return "reject";
	case GWCHECK_RETRIABLE:
		return "retriable";
	case GWCHECK_SHADOW_REJECT:
		return "shadow_reject";
	}
	return "unknown";
}

struct gwcheck {
	struct schemasource *ss;
	struct rejections *rej;
	struct metrics *met;
	struct deadletter *dl;
	size_t decompress_limit;
	void (*log)(void *arg, const char *line);
	void *log_arg;

	pthread_mutex_t rules_mu;
	struct rules *rules;
	atomic_uint_fast64_t rules_gen;

	atomic_uint_fast64_t retriable_logged_s; /* second of the last retriable log line */
	atomic_uint_fast64_t retriable_quiet;    /* retriable batches not logged since */
};

/* ---- per-thread scratch ---- */

struct gwc_rule_memo {
	char topic[RULES_TOPIC_MAX + 1];
	const struct rules_rule *rule; /* NULL: empty slot */
};

/* Registration states of an id for one part (value or key). */
enum gwc_reg {
	GWC_REG_UNKNOWN,    /* not asked yet */
	GWC_REG_YES,        /* registered under the subject */
	GWC_REG_NO,         /* not registered under it */
	GWC_REG_NO_SUBJECT, /* the derived subject does not exist, require_schema */
	GWC_REG_PASS,       /* the derived subject does not exist: pass unchecked */
	GWC_REG_NO_NAME,    /* the schema has no record name for the strategy */
	GWC_REG_UNAVAILABLE,
};

/* What one batch learnt about a schema id. */
struct gwc_id {
	int64_t id;
	int lookup;                          /* 1 found, 0 unknown, -1 unavailable */
	const struct schemasource_schema *s; /* held while lookup == 1 */
	unsigned format; /* the RULES_FORMAT_* bit of the schema's type; 0: none */
	enum gwc_reg reg[2];
	const char *reg_name[2]; /* the record name reg[] was decided for */
	int version[2];
	char subject[2][GWC_SUBJECT_MAX];
};

/* What one batch learnt about a schema GUID. */
struct gwc_guid {
	uint8_t guid[FRAMING_GUID_LEN];
	int lookup; /* 1 found, 0 unknown, -1 unavailable */
	int64_t id; /* when found */
};

/* What one batch learnt about <topic>-value (0) and <topic>-key (1). */
struct gwc_part {
	int state; /* -2 not asked, 1 exists, 0 absent, -1 unavailable */
	struct schemasource_latest latest;
	char subject[RULES_CONTEXT_MAX + 2 + RULES_TOPIC_MAX + 16];
};

struct gwcheck_scratch {
	struct kcompress *kc;
	struct schema_scratch *sc; /* this thread's, for schema_validate() */
	struct rules *rules;
	uint64_t gen;
	struct gwc_rule_memo memo[GWC_RULE_MEMO];
	struct gwc_id ids[GWCHECK_MAX_IDS];
	size_t nids;
	size_t last_id; /* index of the id used last, checked first */
	struct gwc_guid guids[GWCHECK_MAX_IDS];
	size_t nguids;
	size_t last_guid;
	/* The framing of the part being checked (here, not on the stack: its
	 * message buffer would cost a stack guard on every record). */
	struct framing fr;
	struct gwc_part part[2];
	struct sg_error uerr; /* the first registry failure of the batch */
};

struct gwcheck_scratch *gwcheck_scratch_new(const struct gwcheck *gw)
{
	struct gwcheck_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->kc = kcompress_new(gw->decompress_limit);
	s->sc = schema_scratch_new();
	if (!s->kc || !s->sc) {
		gwcheck_scratch_free(s);
		return NULL;
	}
	return s;
}

void gwcheck_scratch_free(struct gwcheck_scratch *s)
{
	if (!s)
		return;
	kcompress_free(s->kc);
	schema_scratch_free(s->sc);
	rules_unref(s->rules);
	free(s);
}

/* ---- creation, rules ---- */

static void gwc_default_log(void *arg, const char *line)
{
	(void)arg;
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s\n", stamp, line);
}

struct gwcheck *gwcheck_new(struct schemasource *source, struct rules *rules_take,
                            struct rejections *rej, struct metrics *met, struct deadletter *dl,
                            const struct gwcheck_options *o, struct sg_error *err)
{
	struct gwcheck *gw = calloc(1, sizeof *gw);
	if (!gw || !source) {
		free(gw);
		rules_unref(rules_take);
		error_set(err, gw ? SG_EINTERNAL : SG_ENOMEM,
		          gw ? "gwcheck: no schema source" : "out of memory");
		return NULL;
	}
	gw->rules = rules_take ? rules_take : rules_new_default();
	if (!gw->rules) {
		free(gw);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	gw->ss = source;
	gw->rej = rej;
	gw->met = met;
	gw->dl = dl;
	gw->decompress_limit = o && o->decompress_limit ? o->decompress_limit : 64u << 20;
	gw->log = o && o->log ? o->log : gwc_default_log;
	gw->log_arg = o ? o->log_arg : NULL;
	pthread_mutex_init(&gw->rules_mu, NULL);
	atomic_init(&gw->rules_gen, 1);
	return gw;
}

void gwcheck_free(struct gwcheck *gw)
{
	if (!gw)
		return;
	rules_unref(gw->rules);
	pthread_mutex_destroy(&gw->rules_mu);
	free(gw);
}

void gwcheck_set_rules(struct gwcheck *gw, struct rules *rules_take)
{
	if (!rules_take)
		return;
	pthread_mutex_lock(&gw->rules_mu);
	struct rules *old = gw->rules;
	gw->rules = rules_take;
	atomic_fetch_add_explicit(&gw->rules_gen, 1, memory_order_release);
	pthread_mutex_unlock(&gw->rules_mu);
	rules_unref(old);
}

/* Brings the scratch's rules up to date (a lock only after a swap). */
static void gwc_sync_rules(struct gwcheck *gw, struct gwcheck_scratch *s)
{
	uint64_t gen = atomic_load_explicit(&gw->rules_gen, memory_order_acquire);
	if (s->rules && s->gen == gen)
		return;
	pthread_mutex_lock(&gw->rules_mu);
	rules_unref(s->rules);
	s->rules = rules_ref(gw->rules);
	s->gen = atomic_load_explicit(&gw->rules_gen, memory_order_relaxed);
	pthread_mutex_unlock(&gw->rules_mu);
	for (size_t i = 0; i < GWC_RULE_MEMO; i++)
		s->memo[i].rule = NULL;
}

static uint32_t gwc_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static const struct rules_rule *gwc_rule(struct gwcheck_scratch *s, const char *topic)
{
	size_t n = strlen(topic);
	if (n > RULES_TOPIC_MAX)
		return rules_match(s->rules, topic);
	struct gwc_rule_memo *m = &s->memo[gwc_hash(topic) % GWC_RULE_MEMO];
	if (m->rule && strcmp(m->topic, topic) == 0)
		return m->rule;
	m->rule = rules_match(s->rules, topic);
	memcpy(m->topic, topic, n + 1);
	return m->rule;
}

/* ---- messages ---- */

/* Cuts `s` so it does not end inside a UTF-8 sequence. */
static void gwc_trim_utf8(char *s)
{
	size_t n = strlen(s), i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - (i - 1) < want)
			s[i - 1] = '\0';
	}
}

/* Formats into `out` of size `cap`, cutting on a UTF-8 boundary. Messages
 * are bounded on purpose: truncation is expected, not an error. */
__attribute__((format(printf, 3, 4))) static void gwc_msg(char *out, size_t cap, const char *fmt,
                                                          ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= cap)
		gwc_trim_utf8(out);
}

/* ---- one batch ---- */

/* How the gateway takes each schema type in Confluent framing: the rules
 * format that admits it, and the reasons its payloads fail under (metrics
 * labels are a fixed set). A type without a row is in no accepted format. */
struct gwc_type {
	unsigned format;
	enum gwcheck_reason syntax, invalid;
};

static const struct gwc_type gwc_types[] = {
    [SCHEMA_AVRO] = {RULES_FORMAT_AVRO, GWCHECK_REASON_AVRO, GWCHECK_REASON_AVRO},
    [SCHEMA_JSON] = {RULES_FORMAT_JSON, GWCHECK_REASON_JSON_SYNTAX, GWCHECK_REASON_JSON},
    [SCHEMA_PROTOBUF] = {RULES_FORMAT_PROTOBUF, GWCHECK_REASON_PROTOBUF, GWCHECK_REASON_PROTOBUF},
};

static const struct gwc_type *gwc_type(enum schema_type t)
{
	static const struct gwc_type none = {0, GWCHECK_REASON_FORMAT, GWCHECK_REASON_FORMAT};
	return (unsigned)t < sizeof gwc_types / sizeof gwc_types[0] ? &gwc_types[t] : &none;
}

enum gwc_result { GWC_OK, GWC_UNCHECKED, GWC_BAD, GWC_UNAVAILABLE };

struct gwc_ctx {
	struct gwcheck *gw;
	struct gwcheck_scratch *s;
	const struct gwcheck_input *in;
	const char *topic;
	const struct rules_rule *rule;
	struct gwcheck_verdict *v;
	/* The finding of the part checked last. */
	enum gwcheck_reason reason;
	char why[GWCHECK_MESSAGE_MAX];
	int64_t schema_id; /* the id the part named, -1: none */
	uint32_t reasons[GWCHECK_REASON_COUNT];
	int batch_error;
};

__attribute__((format(printf, 3, 4))) static int gwc_bad(struct gwc_ctx *c, enum gwcheck_reason r,
                                                         const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	gwc_trim_utf8(c->why);
	c->reason = r;
	return GWC_BAD;
}

static int gwc_unavailable(struct gwc_ctx *c, const struct sg_error *e)
{
	if (c->s->uerr.code == SG_OK)
		error_set(&c->s->uerr, e->code ? e->code : SG_EUNAVAILABLE, "%s",
		          e->msg[0] ? e->msg : "schema registry unavailable");
	return GWC_UNAVAILABLE;
}

static const char *gwc_part_name(int part)
{
	return part ? "key" : "value";
}

/* Whether <topic>-value / <topic>-key has a live version: asked once per
 * batch. Returns 1, 0 or -1 (unavailable, recorded in uerr). */
static int gwc_subject_state(struct gwc_ctx *c, int part)
{
	struct gwc_part *p = &c->s->part[part];
	if (p->state == -2) {
		struct sg_error e;
		error_clear(&e);
		p->state = schemasource_latest(c->gw->ss, p->subject, &p->latest, &e);
		if (p->state < 0)
			gwc_unavailable(c, &e);
	}
	return p->state;
}

/* The batch's memo entry for schema `id`, looked up on first use; NULL when
 * the batch already names GWCHECK_MAX_IDS other ids. */
static struct gwc_id *gwc_id(struct gwc_ctx *c, int64_t id)
{
	struct gwcheck_scratch *s = c->s;
	if (s->nids && s->ids[s->last_id].id == id)
		return &s->ids[s->last_id];
	for (size_t i = 0; i < s->nids; i++)
		if (s->ids[i].id == id) {
			s->last_id = i;
			return &s->ids[i];
		}
	if (s->nids == GWCHECK_MAX_IDS)
		return NULL;
	struct gwc_id *m = &s->ids[s->nids];
	m->id = id;
	m->s = NULL;
	m->reg[0] = m->reg[1] = GWC_REG_UNKNOWN;
	struct sg_error e;
	error_clear(&e);
	m->lookup = schemasource_schema_in(c->gw->ss, c->rule->context, id, &m->s, &e);
	if (m->lookup < 0)
		gwc_unavailable(c, &e);
	m->format = m->lookup == 1 && m->s->schema ? gwc_type(m->s->type)->format : 0;
	s->last_id = s->nids++;
	return m;
}

static void gwc_release_ids(struct gwc_ctx *c)
{
	struct gwcheck_scratch *s = c->s;
	for (size_t i = 0; i < s->nids; i++)
		if (s->ids[i].lookup == 1)
			schemasource_release(c->gw->ss, s->ids[i].s);
	s->nids = 0;
	s->last_id = 0;
	s->nguids = 0;
	s->last_guid = 0;
}

/* Looks `guid` up for a new memo entry (there is room). */
GWC_COLD static struct gwc_guid *gwc_guid_fetch(struct gwc_ctx *c, const uint8_t *guid)
{
	struct gwcheck_scratch *s = c->s;
	struct gwc_guid *g = &s->guids[s->nguids];
	memcpy(g->guid, guid, FRAMING_GUID_LEN);
	g->id = -1;
	char text[FRAMING_GUID_TEXT_LEN + 1];
	framing_guid_text(guid, text);
	struct sg_error e;
	error_clear(&e);
	g->lookup = schemasource_guid_in(c->gw->ss, c->rule->context, text, &g->id, &e);
	if (g->lookup < 0)
		gwc_unavailable(c, &e);
	s->last_guid = s->nguids++;
	return g;
}

/* The batch's memo entry for a schema GUID, looked up on first use; NULL
 * when the batch already names GWCHECK_MAX_IDS other GUIDs. */
static struct gwc_guid *gwc_guid(struct gwc_ctx *c, const uint8_t guid[FRAMING_GUID_LEN])
{
	struct gwcheck_scratch *s = c->s;
	if (s->nguids && memcmp(s->guids[s->last_guid].guid, guid, FRAMING_GUID_LEN) == 0)
		return &s->guids[s->last_guid];
	for (size_t i = 0; i < s->nguids; i++)
		if (memcmp(s->guids[i].guid, guid, FRAMING_GUID_LEN) == 0) {
			s->last_guid = i;
			return &s->guids[i];
		}
	if (s->nguids == GWCHECK_MAX_IDS)
		return NULL;
	return gwc_guid_fetch(c, guid);
}

/* Decides whether id `m` is registered under the subject the strategy names
 * for `part`, once per batch and record name: `name` is the record name of
 * the record (a Protobuf record's message), NULL for the schema's own. */
static enum gwc_reg gwc_registration(struct gwc_ctx *c, struct gwc_id *m, int part,
                                     const char *name)
{
	if (!name)
		name = m->s->record_name;
	if (m->reg[part] != GWC_REG_UNKNOWN && m->reg_name[part] == name)
		return m->reg[part];
	m->reg_name[part] = name;
	const struct rules_rule *rule = c->rule;
	char *subject = m->subject[part];
	switch (rule->strategy) {
	case RULES_TOPIC_NAME:
		snprintf(subject, GWC_SUBJECT_MAX, "%s", c->s->part[part].subject);
		break;
	case RULES_RECORD_NAME:
		if (!name || strlen(name) > SCHEMASOURCE_SUBJECT_MAX)
			return m->reg[part] = GWC_REG_NO_NAME;
		snprintf(subject, GWC_SUBJECT_MAX, "%s%s", rule->subject_prefix, name);
		break;
	case RULES_TOPIC_RECORD_NAME:
		if (!name || strlen(name) > SCHEMASOURCE_SUBJECT_MAX)
			return m->reg[part] = GWC_REG_NO_NAME;
		snprintf(subject, GWC_SUBJECT_MAX, "%s%s-%s", rule->subject_prefix, c->topic, name);
		break;
	}
	struct sg_error e;
	error_clear(&e);
	int rc = schemasource_registered(c->gw->ss, m->id, subject, &m->version[part], &e);
	if (rc < 0) {
		gwc_unavailable(c, &e);
		return m->reg[part] = GWC_REG_UNAVAILABLE;
	}
	if (rc == 1)
		return m->reg[part] = GWC_REG_YES;
	if (rule->strategy == RULES_TOPIC_NAME)
		return m->reg[part] = GWC_REG_NO;
	/* A record strategy: does the derived subject exist at all? */
	struct schemasource_latest l;
	rc = schemasource_latest(c->gw->ss, subject, &l, &e);
	if (rc < 0) {
		gwc_unavailable(c, &e);
		return m->reg[part] = GWC_REG_UNAVAILABLE;
	}
	if (rc == 1)
		return m->reg[part] = GWC_REG_NO;
	return m->reg[part] = rule->require_schema ? GWC_REG_NO_SUBJECT : GWC_REG_PASS;
}

static void gwc_formats(unsigned f, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s%s%s", f & RULES_FORMAT_AVRO ? "confluent-avro" : "",
	         (f & RULES_FORMAT_AVRO) && (f & 14u) ? ", " : "",
	         f & RULES_FORMAT_JSON ? "confluent-json" : "",
	         (f & RULES_FORMAT_JSON) && (f & 12u) ? ", " : "",
	         f & RULES_FORMAT_PLAIN_JSON ? "plain-json" : "",
	         (f & RULES_FORMAT_PLAIN_JSON) && (f & RULES_FORMAT_PROTOBUF) ? ", " : "",
	         f & RULES_FORMAT_PROTOBUF ? "confluent-protobuf" : "");
}

/* 1 when the first non-whitespace byte is '{' or '['. */
static int gwc_json_start(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
			continue;
		return p[i] == '{' || p[i] == '[';
	}
	return 0;
}

/* Why schema `id` cannot be used for a part (see gwc_usable()). */
GWC_COLD static int gwc_unusable(struct gwc_ctx *c, const struct gwc_id *m, int64_t id,
                                 const char *latest_of)
{
	if (!m)
		return gwc_bad(c, GWCHECK_REASON_TOO_MANY_IDS,
		               "the batch names more than %d distinct schema ids", GWCHECK_MAX_IDS);
	if (m->lookup < 0)
		return GWC_UNAVAILABLE;
	char what[GWCHECK_MESSAGE_MAX];
	if (latest_of)
		snprintf(what, sizeof what, "the latest schema of %s (id %" PRId64 ")", latest_of,
		         id);
	else
		snprintf(what, sizeof what, "schema id %" PRId64, id);
	if (m->lookup == 0)
		return gwc_bad(c, GWCHECK_REASON_UNKNOWN_ID, "%s does not exist", what);
	return gwc_bad(c, GWCHECK_REASON_SCHEMA, "%s cannot be used: %s", what, m->s->unusable);
}

/* The batch's memo of schema `id` when the schema can be used, else NULL
 * with the part's result in *res. `latest_of` is the subject whose latest
 * version `id` is (plain JSON), NULL when a framed record names it. */
static struct gwc_id *gwc_usable(struct gwc_ctx *c, int64_t id, const char *latest_of, int *res)
{
	c->schema_id = id;
	struct gwc_id *m = gwc_id(c, id);
	if (m && m->lookup == 1 && m->s->schema)
		return m;
	*res = gwc_unusable(c, m, id, latest_of);
	return NULL;
}

/* A payload schema_validate() refused with verdict `v` (framed as `framing`,
 * registered as `version` of `subject`): out of memory, or why. */
GWC_COLD static int gwc_refused(struct gwc_ctx *c, const struct schemasource_schema *sc,
                                enum schema_payload v, enum schema_framing framing,
                                const uint8_t *p, size_t n, const char *subject, int version)
{
	if (v == SCHEMA_PAYLOAD_NOMEM) {
		struct sg_error e;
		error_clear(&e);
		error_set(&e, SG_EUNAVAILABLE, "gateway %s", schema_why(c->s->sc));
		return gwc_unavailable(c, &e);
	}
	v = schema_explain(sc->validator, framing, p, n, c->s->sc);
	const struct gwc_type *t = gwc_type(sc->type);
	enum gwcheck_reason r = v == SCHEMA_PAYLOAD_FRAMING  ? GWCHECK_REASON_FRAMING
	                        : v == SCHEMA_PAYLOAD_SYNTAX ? t->syntax
	                                                     : t->invalid;
	return gwc_bad(c, r, "%s (%s v%d, id %" PRId64 ")", schema_why(c->s->sc), subject, version,
	               sc->id);
}

/* A framed record whose schema `m` is not registered as the strategy asks
 * (`reg`, anything but GWC_REG_YES). */
static int gwc_unregistered(struct gwc_ctx *c, const struct gwc_id *m, int part, enum gwc_reg reg)
{
	const struct schema_ops *ops = schema_ops(m->s->type);
	char hint[96] = "";
	switch (reg) {
	case GWC_REG_PASS:
		return GWC_UNCHECKED;
	case GWC_REG_UNAVAILABLE:
		return GWC_UNAVAILABLE;
	case GWC_REG_NO_NAME:
		if (ops->record_name_from)
			snprintf(hint, sizeof hint, " (a %s schema needs %s)", ops->name,
			         ops->record_name_from);
		return gwc_bad(c, GWCHECK_REASON_RECORD_NAME,
		               "schema id %" PRId64 " has no record name for %s%s", m->id,
		               rules_strategy_name(c->rule->strategy), hint);
	case GWC_REG_NO_SUBJECT:
		return gwc_bad(c, GWCHECK_REASON_NO_SUBJECT, "subject %s does not exist",
		               m->subject[part]);
	case GWC_REG_YES:
	case GWC_REG_NO:
	case GWC_REG_UNKNOWN:
		break;
	}
	return gwc_bad(c, GWCHECK_REASON_WRONG_SUBJECT,
	               "schema id %" PRId64 " is not registered under subject %s", m->id,
	               m->subject[part]);
}

/* A GUID the registry does not have. */
GWC_COLD static int gwc_unknown_guid(struct gwc_ctx *c, const struct framing *f)
{
	char text[FRAMING_GUID_TEXT_LEN + 1];
	framing_guid_text(f->guid, text);
	return gwc_bad(c, GWCHECK_REASON_UNKNOWN_ID, "schema GUID %s%s does not exist", text,
	               f->in_header ? " (in a header)" : "");
}

/* The schema id a GUID framing names, or -1 with the part's result in
 * *res (an unknown GUID, too many GUIDs, the registry unavailable). */
static int64_t gwc_guid_id(struct gwc_ctx *c, const struct framing *f, int *res)
{
	struct gwc_guid *g = gwc_guid(c, f->guid);
	if (g && g->lookup == 1)
		return g->id;
	if (g && g->lookup < 0) {
		*res = GWC_UNAVAILABLE;
		return -1;
	}
	if (!g) {
		*res =
		    gwc_bad(c, GWCHECK_REASON_TOO_MANY_IDS,
		            "the batch names more than %d distinct schema GUIDs", GWCHECK_MAX_IDS);
		return -1;
	}
	*res = gwc_unknown_guid(c, f);
	return -1;
}

/* A Confluent-framed part (gateway/framing.h: by id or by GUID, in a prefix
 * or in the part's header): the schema, then what the schema's type reads
 * (schema_validate()) in the payload. */
static int gwc_framed(struct gwc_ctx *c, int part, const struct framing *f)
{
	int64_t id = f->id;
	int res = GWC_BAD;
	if (f->kind == FRAMING_GUID && (id = gwc_guid_id(c, f, &res)) < 0)
		return res;
	struct gwc_id *m = gwc_usable(c, id, NULL, &res);
	if (!m)
		return res;
	if (!(c->rule->formats & m->format)) {
		char acc[96];
		gwc_formats(c->rule->formats, acc, sizeof acc);
		return gwc_bad(c, GWCHECK_REASON_FORMAT,
		               "Confluent-framed %s (schema id %" PRId64
		               ") is not accepted here (accepted: %s)",
		               schema_ops(m->s->type)->title, id, acc);
	}
	/* A type's own header (Protobuf's message indexes) follows a prefix;
	 * in header framing it would be in the header, which holds none here. */
	enum schema_framing framing = f->in_header ? SCHEMA_UNFRAMED : SCHEMA_FRAMED;
	/* A record strategy names a Protobuf record's subject by its message */
	const char *name = NULL;
	if (c->rule->strategy != RULES_TOPIC_NAME && framing == SCHEMA_FRAMED)
		name = schema_framed_record_name(m->s->validator, f->payload, f->len, c->s->sc);
	enum gwc_reg reg = gwc_registration(c, m, part, name);
	if (reg != GWC_REG_YES)
		return gwc_unregistered(c, m, part, reg);
	schema_scratch_set_flags(c->s->sc,
	                         c->rule->reject_unknown_fields ? SCHEMA_CHECK_REJECT_UNKNOWN : 0);
	enum schema_payload v =
	    schema_validate(m->s->validator, framing, f->payload, f->len, c->s->sc);
	if (v == SCHEMA_PAYLOAD_VALID)
		return GWC_OK;
	return gwc_refused(c, m->s, v, framing, f->payload, f->len, m->subject[part],
	                   m->version[part]);
}

/* A plain JSON part, checked against the latest schema of the part's
 * subject. Plain JSON implies TopicNameStrategy (rules.c), so the subject
 * exists here and its latest version is known. */
static int gwc_plain_json(struct gwc_ctx *c, const struct gwc_part *ps, const uint8_t *p, size_t n)
{
	int res;
	struct gwc_id *m = gwc_usable(c, ps->latest.id, ps->subject, &res);
	if (!m)
		return res;
	if (m->s->type != SCHEMA_JSON)
		return gwc_bad(
		    c, GWCHECK_REASON_FORMAT,
		    "plain JSON, but the latest schema of %s (v%d, id %" PRId64 ") is %s, not JSON",
		    ps->subject, ps->latest.version, ps->latest.id, schema_type_name(m->s->type));
	enum schema_payload v = schema_validate(m->s->validator, SCHEMA_UNFRAMED, p, n, c->s->sc);
	if (v == SCHEMA_PAYLOAD_VALID)
		return GWC_OK;
	return gwc_refused(c, m->s, v, SCHEMA_UNFRAMED, p, n, ps->subject, ps->latest.version);
}

/* Checks one part of record `rec` (its value, or with `part` 1 its key). */
static int gwc_part(struct gwc_ctx *c, int part, const struct records_record *rec)
{
	struct kslice data = part ? rec->key : rec->value;
	const struct rules_rule *rule = c->rule;
	c->schema_id = -1;
	if (data.len < 0) {
		if (part == 1 || rule->allow_tombstones)
			return GWC_OK;
		return gwc_bad(c, GWCHECK_REASON_TOMBSTONE,
		               "null value (tombstone) is not allowed on this topic");
	}
	const uint8_t *p = data.p;
	size_t n = (size_t)data.len;
	struct gwc_part *ps = &c->s->part[part];
	if (rule->strategy == RULES_TOPIC_NAME) {
		int st = gwc_subject_state(c, part);
		if (st < 0)
			return GWC_UNAVAILABLE;
		if (st == 0) {
			if (!rule->require_schema)
				return GWC_UNCHECKED;
			return gwc_bad(c, GWCHECK_REASON_NO_SUBJECT, "subject %s does not exist",
			               ps->subject);
		}
	}
	struct kslice header;
	int has_header = rec->header_count > 0 && framing_header(rec->headers, part, &header);
	struct framing *fr = &c->s->fr;
	framing_read(fr, part, p, n, has_header ? &header : NULL);
	if (fr->kind == FRAMING_BAD)
		return gwc_bad(c, GWCHECK_REASON_FRAMING, "%s", fr->why);
	if (fr->kind != FRAMING_NONE)
		return gwc_framed(c, part, fr);
	if ((rule->formats & RULES_FORMAT_PLAIN_JSON) && gwc_json_start(p, n))
		return gwc_plain_json(c, ps, p, n);
	char f[96];
	gwc_formats(rule->formats, f, sizeof f);
	if (n == 0)
		return gwc_bad(c, GWCHECK_REASON_FORMAT, "empty %s: in no accepted format (%s)",
		               gwc_part_name(part), f);
	return gwc_bad(c, GWCHECK_REASON_FORMAT,
	               "not in an accepted format (%s): the %s starts with byte 0x%02x", f,
	               gwc_part_name(part), p[0]);
}

/* Records a bad record: counted, listed while there is room, and handed to
 * the dead-letter producer in enforce mode. */
static void gwc_record_bad(struct gwc_ctx *c, const struct records_record *rec, int32_t index,
                           int part)
{
	struct gwcheck_verdict *v = c->v;
	v->bad++;
	c->reasons[c->reason]++;
	if (v->first_bad < 0) {
		v->first_bad = index;
		if (!c->batch_error)
			v->reason = c->reason;
	}
	char msg[GWCHECK_MESSAGE_MAX];
	gwc_msg(msg, sizeof msg, "record %" PRId32 ": %s%s", index, part ? "key: " : "", c->why);
	if (v->nerrors < GWCHECK_MAX_ERRORS) {
		struct gwcheck_record_error *e = &v->errors[v->nerrors++];
		e->index = index;
		e->reason = c->reason;
		memcpy(e->message, msg, sizeof msg);
	}
	const struct rules_rule *rule = c->rule;
	if (rule->mode == RULES_ENFORCE && rule->dead_letter_topic && c->gw->dl) {
		struct deadletter_record d = {
		    .topic = rule->dead_letter_topic,
		    .source_topic = c->topic,
		    .source_partition = c->in->partition,
		    .record_index = index,
		    .key = rec->key,
		    .value = rec->value,
		    .headers = rec->headers,
		    .timestamp_ms = rec->timestamp,
		    .reason = gwcheck_reason_name(c->reason),
		    .message = msg,
		    .schema_id = c->schema_id,
		    .client_id = c->in->client_id,
		    .client_addr = c->in->client_addr,
		};
		if (deadletter_submit(c->gw->dl, &d) == 0 && c->gw->met)
			metrics_dead_lettered(c->gw->met, c->topic, 1);
	}
}

/* The batch itself cannot be read. */
static void gwc_batch_bad(struct gwc_ctx *c, const struct sg_error *e, int32_t at)
{
	struct gwcheck_verdict *v = c->v;
	c->batch_error = e->code == SG_ENOMEM ? 0 : (e->code ? e->code : SG_ECORRUPT);
	if (e->code == SG_ENOMEM) {
		struct sg_error u;
		error_clear(&u);
		error_set(&u, SG_EUNAVAILABLE, "gateway out of memory reading the batch");
		gwc_unavailable(c, &u);
		return;
	}
	c->reasons[GWCHECK_REASON_BATCH]++;
	v->reason = GWCHECK_REASON_BATCH;
	if (at >= 0)
		gwc_msg(v->message, sizeof v->message, "batch unreadable at record %" PRId32 ": %s",
		        at, e->msg);
	else
		gwc_msg(v->message, sizeof v->message, "batch unreadable: %s", e->msg);
}

/* Sums recordCount over the batch headers, without checking anything (for
 * counting what mode off lets through). */
static int32_t gwc_count_records(const uint8_t *p, size_t n)
{
	int64_t total = 0;
	size_t at = 0;
	while (n - at >= RECORDS_BATCH_OVERHEAD) {
		const uint8_t *b = p + at;
		uint32_t len = ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) |
		               ((uint32_t)b[10] << 8) | b[11];
		int32_t cnt = (int32_t)(((uint32_t)b[57] << 24) | ((uint32_t)b[58] << 16) |
		                        ((uint32_t)b[59] << 8) | b[60]);
		if (cnt > 0)
			total += cnt;
		if (len > n - at - 12)
			break;
		at += 12 + (size_t)len;
	}
	return total > INT32_MAX ? INT32_MAX : (int32_t)total;
}

static uint64_t gwc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void gwc_log(struct gwcheck *gw, const struct rejection *r)
{
	char line[1536];
	rejections_log_line(r, line, sizeof line);
	gw->log(gw->log_arg, line);
}

/* Metrics, rejections ring and log line for a finished batch. */
static void gwc_report(struct gwc_ctx *c, uint64_t t0)
{
	struct gwcheck *gw = c->gw;
	struct gwcheck_verdict *v = c->v;
	enum metrics_outcome mo = METRICS_ACCEPTED;
	switch (v->outcome) {
	case GWCHECK_ACCEPT:
		mo = v->unchecked ? METRICS_UNCHECKED : METRICS_ACCEPTED;
		break;
	case GWCHECK_REJECT:
		mo = METRICS_REJECTED;
		break;
	case GWCHECK_RETRIABLE:
		mo = METRICS_RETRIABLE;
		break;
	case GWCHECK_SHADOW_REJECT:
		mo = METRICS_SHADOW_REJECTED;
		break;
	}
	if (gw->met) {
		metrics_batch(gw->met, c->topic, mo, (uint32_t)v->records, gwc_now_ns() - t0);
		for (unsigned r = 1; r < GWCHECK_REASON_COUNT; r++)
			if (c->reasons[r])
				metrics_reason(gw->met, c->topic, r, c->reasons[r]);
	}
	struct rejection rj = {
	    .topic = c->topic,
	    .partition = c->in->partition,
	    .client_id = c->in->client_id,
	    .client_addr = c->in->client_addr,
	    .shadow = v->outcome == GWCHECK_SHADOW_REJECT,
	    .reason = gwcheck_reason_name(v->reason),
	    .message = v->message,
	    .records = v->records,
	    .rejected = v->bad,
	    .first = v->first_bad,
	};
	if (v->outcome == GWCHECK_REJECT || v->outcome == GWCHECK_SHADOW_REJECT) {
		if (gw->rej)
			rejections_add(gw->rej, &rj);
		gwc_log(gw, &rj);
	} else if (v->outcome == GWCHECK_RETRIABLE || (v->unchecked && c->s->uerr.code != SG_OK)) {
		/* Outages: at most one line a second, saying how many were quiet. */
		uint64_t sec = gwc_now_ns() / 1000000000u;
		uint64_t last = atomic_load_explicit(&gw->retriable_logged_s, memory_order_relaxed);
		if (sec != last &&
		    atomic_compare_exchange_strong(&gw->retriable_logged_s, &last, sec)) {
			uint64_t quiet = atomic_exchange(&gw->retriable_quiet, 0);
			char msg[GWCHECK_MESSAGE_MAX + 96];
			gwc_msg(msg, sizeof msg, "%s (%" PRIu64 " similar batches not logged)",
			        c->s->uerr.msg, quiet);
			rj.event = v->outcome == GWCHECK_RETRIABLE ? "retriable" : "unchecked";
			rj.message = msg;
			gwc_log(gw, &rj);
		} else {
			atomic_fetch_add_explicit(&gw->retriable_quiet, 1, memory_order_relaxed);
		}
	}
}

void gwcheck_batch(struct gwcheck *gw, struct gwcheck_scratch *s, const struct gwcheck_input *in,
                   struct gwcheck_verdict *v)
{
	uint64_t t0 = gwc_now_ns();
	v->outcome = GWCHECK_ACCEPT;
	v->code = SG_OK;
	v->reason = GWCHECK_REASON_NONE;
	v->records = 0;
	v->bad = 0;
	v->first_bad = -1;
	v->unchecked = 0;
	v->nerrors = 0;
	v->message[0] = '\0';

	gwc_sync_rules(gw, s);
	struct gwc_ctx c = {.gw = gw, .s = s, .in = in, .v = v};
	c.topic = in->topic ? in->topic : "";
	c.rule = gwc_rule(s, c.topic);
	error_clear(&s->uerr);

	if (!in->records || in->len == 0) {
		gwc_report(&c, t0);
		return;
	}
	if (c.rule->mode == RULES_OFF) {
		v->unchecked = 1;
		v->records = gwc_count_records(in->records, in->len);
		gwc_report(&c, t0);
		return;
	}
	for (int part = 0; part < 2; part++) {
		s->part[part].state = -2;
		snprintf(s->part[part].subject, sizeof s->part[part].subject, "%s%.249s-%s",
		         c.rule->subject_prefix, c.topic, gwc_part_name(part));
	}

	struct kreader r;
	kreader_init(&r, in->records, in->len);
	int retriable = 0;
	while (!retriable && kreader_remaining(&r) > 0) {
		struct records_batch b;
		struct records_iter it;
		struct records_record rec;
		struct sg_error e;
		error_clear(&e);
		if (records_batch_parse(&b, &r, &e) != 0 ||
		    records_iter_open(&it, &b, s->kc, &e) != 0) {
			gwc_batch_bad(&c, &e, -1);
			break;
		}
		int rc;
		if (b.control) {
			/* Transaction markers are written by the broker, not
			 * produced: nothing to validate. Their records are read
			 * and counted all the same: the header's count alone
			 * could be anything up to INT32_MAX. */
			while ((rc = records_iter_next(&it, &rec, &e)) == 1)
				v->records++;
			if (rc < 0) {
				gwc_batch_bad(&c, &e, v->records);
				break;
			}
			continue;
		}
		while ((rc = records_iter_next(&it, &rec, &e)) == 1) {
			int32_t index = v->records++;
			int res = GWC_OK, bad_part = 0;
			for (int part = 0; part < 2 && res != GWC_BAD && res != GWC_UNAVAILABLE;
			     part++) {
				if (!(c.rule->parts & (part ? RULES_PART_KEY : RULES_PART_VALUE)))
					continue;
				int pr = gwc_part(&c, part, &rec);
				if (pr == GWC_UNCHECKED)
					v->unchecked = 1;
				else if (pr != GWC_OK)
					res = pr;
				bad_part = part;
			}
			if (res == GWC_BAD) {
				gwc_record_bad(&c, &rec, index, bad_part);
			} else if (res == GWC_UNAVAILABLE) {
				if (c.rule->fail_open) {
					v->unchecked = 1;
				} else {
					retriable = 1;
					break;
				}
			}
		}
		if (rc < 0) {
			gwc_batch_bad(&c, &e, v->records);
			break;
		}
	}
	gwc_release_ids(&c);
	if (s->uerr.code != SG_OK && !c.batch_error && v->bad == 0 && !c.rule->fail_open)
		retriable = 1; /* out of memory reading the batch */

	if (v->bad > 0 || c.batch_error) {
		v->outcome = c.rule->mode == RULES_ENFORCE ? GWCHECK_REJECT : GWCHECK_SHADOW_REJECT;
		v->code = c.batch_error ? c.batch_error : SG_EINVALID_RECORD;
		if (!c.batch_error) {
			if (v->bad > 1)
				gwc_msg(v->message, sizeof v->message,
				        "%s (and %" PRId32 " more bad records)",
				        v->errors[0].message, v->bad - 1);
			else
				gwc_msg(v->message, sizeof v->message, "%s", v->errors[0].message);
		}
	} else if (retriable) {
		if (c.rule->mode == RULES_ENFORCE) {
			v->outcome = GWCHECK_RETRIABLE;
			v->code = SG_EUNAVAILABLE;
			v->reason = GWCHECK_REASON_UNAVAILABLE;
			gwc_msg(v->message, sizeof v->message, "%s", s->uerr.msg);
		} else {
			v->unchecked = 1;
		}
	}
	if (s->uerr.code != SG_OK && v->outcome == GWCHECK_ACCEPT)
		v->unchecked = 1;
	gwc_report(&c, t0);
}

char *gwcheck_metrics_text(struct gwcheck *gw, size_t *len)
{
	if (!gw->met)
		return NULL;
	struct metrics_extra x = {0};
	struct schemasource_stats ss;
	schemasource_stats(gw->ss, &ss);
	x.has_cache = 1;
	x.cache_hits = ss.hits;
	x.cache_fetches = ss.fetches;
	x.cache_fetch_errors = ss.fetch_errors;
	x.cache_stale = ss.stale_served;
	x.cache_evictions = ss.evictions;
	x.cache_entries = ss.id_entries;
	x.cache_bytes = ss.id_bytes;
	if (gw->dl) {
		struct deadletter_stats d;
		deadletter_stats(gw->dl, &d);
		x.has_dead_letter = 1;
		x.dl_queued = d.queued;
		x.dl_delivered = d.delivered;
		x.dl_failed = d.failed;
		x.dl_dropped = d.dropped;
	}
	if (gw->rej) {
		x.has_rejections = 1;
		x.rejections = rejections_total(gw->rej);
	}
	return metrics_render(gw->met, &x, len);
}
