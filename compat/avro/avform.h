/* compat/avro/avform.h: the inside of the avsc module, shared by compat/avro/avsc.c (the
 * parser and the model), compat/avro/avform.c (the printed forms: Avro Java's
 * Schema.toString(), the Parsing Canonical Form, Confluent's normalized text,
 * the CRC-64-AVRO fingerprint) and compat/avro/avattr.c (defaults and logical
 * types checked). Nothing outside those files includes it; everyone else uses
 * compat/avro/avsc.h.
 *
 * Ownership: every node, field and string hangs off the avsc_schema that parsed
 * it (its arena); JSON values (defaults, custom properties) are borrowed from
 * the schema's own parsed document. A strbuf owns its bytes until
 * strbuf_release() hands them over or strbuf_free() drops them.
 */
#ifndef SG_AVFORM_H
#define SG_AVFORM_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "compat/avro/avsc.h"

/* Which keys of a JSON object are attributes rather than custom properties,
 * exactly as Avro Java reserves them. */
enum avsc_reserved {
	AVSC_RESERVED_SCHEMA, /* doc fields items name namespace size symbols values type aliases */
	AVSC_RESERVED_ENUM,   /* the above and default */
	AVSC_RESERVED_FIELD,  /* default doc name order type aliases */
};

enum avsc_order { AVSC_ORDER_ASCENDING, AVSC_ORDER_DESCENDING, AVSC_ORDER_IGNORE };

/* A fixed-capacity open-addressing index from a string to a position. */
struct avsc_index {
	const char **keys;
	uint32_t *vals;
	size_t mask; /* capacity - 1; capacity is a power of two */
};

struct avsc_field {
	const char *name;
	const struct avsc_node *type;
	const char *doc;   /* NULL when absent */
	const json_t *def; /* default as the model exposes it; NULL when none */
	const json_t *obj; /* the field's JSON object: its custom properties */
	const char **aliases;
	size_t naliases;
	enum avsc_order order;
	/* A float/double default written as a JSON string ("NaN", "1.5"): Avro Java
	 * turns it into a double, so it prints as one. */
	int def_from_text;
	double def_double;
};

struct avsc_node {
	enum avsc_kind kind;
	const struct avsc_schema *owner; /* NULL for the shared primitive nodes */
	const json_t *obj;               /* the JSON object it came from (custom properties) */
	enum avsc_reserved reserved;
	const char *logical;  /* a valid logical type, or NULL */
	int precision, scale; /* decimal only */

	/* Named types. `space` is "" for the null namespace. */
	const char *fullname;
	const char *name; /* points into fullname */
	const char *space;
	const char *doc;
	const char **aliases; /* full names */
	size_t naliases;
	int is_error; /* record declared as "error" */
	int complete; /* a record whose fields are all parsed */

	struct avsc_field *fields;
	size_t nfields;
	struct avsc_index field_index;

	const char **symbols;
	size_t nsymbols;
	struct avsc_index symbol_index;
	const char *enum_default;

	const struct avsc_node *child; /* array items or map values */

	const struct avsc_node **branches;
	size_t nbranches;

	size_t size; /* fixed */
};

/* A growable byte buffer. Functions return 0, or -1 when out of memory (the
 * buffer is then marked failed and every later append is a no-op). */
struct strbuf {
	char *p;
	size_t len, cap;
	int failed;
};

void strbuf_init(struct strbuf *b);
void strbuf_free(struct strbuf *b);
int strbuf_add(struct strbuf *b, const char *s, size_t n);
int strbuf_adds(struct strbuf *b, const char *s);
int strbuf_addc(struct strbuf *b, char c);
/* Appends `s` as a JSON string literal, escaped as Jackson escapes. */
int strbuf_json_string(struct strbuf *b, const char *s, size_t n);
/* Appends `v` as Jackson writes a JsonNode: compact, keys in stored order,
 * reals as Java's Double.toString(). */
int strbuf_json(struct strbuf *b, const json_t *v);
/* Detaches the NUL-terminated text (caller frees); NULL if the buffer failed. */
char *strbuf_release(struct strbuf *b);

/* Internal schema accessors for avform.c. */
size_t avsc_ref_count(const struct avsc_schema *s);
const struct avsc_schema *avsc_ref(const struct avsc_schema *s, size_t i);
/* 1 when `key` of an object with reserved set `r` is a custom property. */
int avsc_is_prop(enum avsc_reserved r, const char *key);
/* 1 when the node carries at least one custom property. */
int avsc_has_props(const struct avsc_node *n);
/* The text of a JSON string that holds no NUL character, else NULL. Names,
 * docs and symbols are C strings; a NUL inside one is refused. */
const char *avsc_json_cstr(const json_t *v);

/* The forms. Each appends to `out` and returns 0 or -1 (out of memory). */
int avform_java(const struct avsc_schema *s, struct strbuf *out);
/* avform_java() with `refs_known` 0: the named types of references are not
 * taken as known, so each is written out in full at its first use (Avro
 * Java's toString() of the schema alone; Confluent's format=resolved). */
int avform_java_with(const struct avsc_schema *s, int refs_known, struct strbuf *out);
int avform_canonical(const struct avsc_schema *s, struct strbuf *out);
/* The text Confluent's AvroSchemaUtils.toNormalizedString() builds. Confluent
 * then parses it again and prints it with toString(): avsc.c does that part. */
int avform_normal_text(const struct avsc_schema *s, struct strbuf *out);
uint64_t avform_fingerprint64(const char *text, size_t len);

#endif
