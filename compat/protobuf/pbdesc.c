/* compat/protobuf/pbdesc.c: a FileDescriptorProto read into the pbfile
 * model, and the model written back as one (see pbdesc.h). Field numbers
 * are descriptor.proto's; what is kept and in which order follows
 * Confluent 8.1's ProtobufSchema.toProtoFile(FileDescriptorProto) when
 * reading and its DynamicSchema builder when writing. */
#include "compat/protobuf/pbdesc.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- base64 ---- */

static const char pd_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int pd_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long pbdesc_base64_decode(const char *text, size_t len, uint8_t *out)
{
	size_t end = len, pad = 0;
	/* Java: '=' ends the data; one or two of them, completing a quantum */
	for (size_t i = 0; i < len; i++)
		if (text[i] == '=') {
			end = i;
			pad = len - i;
			break;
		}
	if (pad > 2)
		return -1;
	for (size_t i = end; i < len; i++)
		if (text[i] != '=')
			return -1;
	size_t rest = end % 4;
	if (rest == 1 || (pad && (rest == 0 || rest + pad != 4)))
		return -1;
	long n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < end; i++) {
		int v = pd_b64_value(text[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n;
}

/* ---- the wire reader ---- */

struct pd_dec {
	struct pbfile *file;
	int proto3; /* the file's syntax is "proto3" (Confluent's label() and defaults) */
	int depth;
	struct sg_error *err;
	jmp_buf fail;
};

struct pd_in {
	const uint8_t *p, *end;
};

/* One field as read: its number, wire type and value (a varint, or the
 * bytes of a length-delimited one). */
struct pd_field {
	uint32_t num;
	int wt;
	uint64_t v;
	const uint8_t *data;
	size_t len;
};

static _Noreturn void pd_fail(struct pd_dec *d, int code, const char *what)
{
	error_set(d->err, code, "Could not parse descriptor: %s", what);
	longjmp(d->fail, 1);
}

static uint64_t pd_varint(struct pd_dec *d, struct pd_in *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 10; i++) {
		if (in->p >= in->end)
			pd_fail(d, SG_EINVALID_SCHEMA, "truncated varint");
		uint8_t b = *in->p++;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return v;
	}
	pd_fail(d, SG_EINVALID_SCHEMA, "varint longer than 10 bytes");
}

static void pd_skip(struct pd_dec *d, struct pd_in *in, size_t n)
{
	if ((size_t)(in->end - in->p) < n)
		pd_fail(d, SG_EINVALID_SCHEMA, "field past the end of its message");
	in->p += n;
}

static void pd_enter(struct pd_dec *d)
{
	if (++d->depth > PBDESC_MAX_DEPTH)
		pd_fail(d, SG_ELIMIT, "nested too deep");
}

static void pd_value(struct pd_dec *d, struct pd_in *in, uint32_t num, int wt, struct pd_field *f);

/* Skips a group of field `num` whose start was just read, through its end. */
static void pd_skip_group(struct pd_dec *d, struct pd_in *in, uint32_t num)
{
	pd_enter(d);
	for (;;) {
		if (in->p >= in->end)
			pd_fail(d, SG_EINVALID_SCHEMA, "group without its end");
		uint64_t key = pd_varint(d, in);
		if (key >> 3 == 0 || key >> 3 > PBFILE_MAX_TAG)
			pd_fail(d, SG_EINVALID_SCHEMA, "invalid field number");
		if ((key & 7) == 4) {
			if (key >> 3 != num)
				pd_fail(d, SG_EINVALID_SCHEMA,
				        "group end does not match its start");
			d->depth--;
			return;
		}
		struct pd_field f;
		pd_value(d, in, (uint32_t)(key >> 3), (int)(key & 7), &f);
	}
}

/* Reads the value of a field of number `num` and wire type `wt` into *f. */
static void pd_value(struct pd_dec *d, struct pd_in *in, uint32_t num, int wt, struct pd_field *f)
{
	f->num = num;
	f->wt = wt;
	f->data = NULL;
	f->len = 0;
	f->v = 0;
	switch (wt) {
	case 0:
		f->v = pd_varint(d, in);
		break;
	case 1:
		pd_skip(d, in, 8);
		break;
	case 5:
		pd_skip(d, in, 4);
		break;
	case 2: {
		uint64_t n = pd_varint(d, in);
		if (n > (uint64_t)(in->end - in->p))
			pd_fail(d, SG_EINVALID_SCHEMA, "length past the end of its message");
		f->data = in->p;
		f->len = (size_t)n;
		in->p += n;
		break;
	}
	case 3:
		pd_skip_group(d, in, num);
		break;
	case 4:
		pd_fail(d, SG_EINVALID_SCHEMA, "group end without its start");
	default:
		pd_fail(d, SG_EINVALID_SCHEMA, "invalid wire type");
	}
}

/* Reads the next field of `in` into *f; 0 at the end. A group (wire type
 * 3) is skipped whole, through its matching end; no descriptor field is
 * one, so callers pass over it as over any field of the wrong wire type. */
static int pd_next(struct pd_dec *d, struct pd_in *in, struct pd_field *f)
{
	if (in->p >= in->end)
		return 0;
	uint64_t key = pd_varint(d, in);
	if (key >> 3 == 0 || key >> 3 > PBFILE_MAX_TAG)
		pd_fail(d, SG_EINVALID_SCHEMA, "invalid field number");
	pd_value(d, in, (uint32_t)(key >> 3), (int)(key & 7), f);
	return 1;
}

static const char *pd_str(struct pd_dec *d, const struct pd_field *f)
{
	if (memchr(f->data, 0, f->len))
		pd_fail(d, SG_EINVALID_SCHEMA, "a string holds a NUL byte");
	const char *s = pbfile_strndup(d->file, (const char *)f->data, f->len, d->err);
	if (!s)
		longjmp(d->fail, 1);
	return s;
}

static void *pd_alloc(struct pd_dec *d, size_t n)
{
	void *p = pbfile_alloc(d->file, n, d->err);
	if (!p)
		longjmp(d->fail, 1);
	return p;
}

#define PD_NEW(d, type) ((type *)pd_alloc((d), sizeof(type)))

static struct pd_in pd_sub(const struct pd_field *f)
{
	return (struct pd_in){f->data, f->data + f->len};
}

/* ---- the options Confluent reads and writes ---- */

enum pd_okind { PD_STRING, PD_BOOL, PD_ENUM };

/* The names of an enum's values, by number (NULL: no such value). */
static const char *const pd_optimize[] = {NULL, "SPEED", "CODE_SIZE", "LITE_RUNTIME"};
static const char *const pd_ctype[] = {"STRING", "CORD", "STRING_PIECE"};
static const char *const pd_jstype[] = {"JS_NORMAL", "JS_STRING", "JS_NUMBER"};
static const char *const pd_retention[] = {"RETENTION_UNKNOWN", "RETENTION_RUNTIME",
                                           "RETENTION_SOURCE"};
static const char *const pd_targets[] = {
    "TARGET_TYPE_UNKNOWN", "TARGET_TYPE_FILE",       "TARGET_TYPE_EXTENSION_RANGE",
    "TARGET_TYPE_MESSAGE", "TARGET_TYPE_FIELD",      "TARGET_TYPE_ONEOF",
    "TARGET_TYPE_ENUM",    "TARGET_TYPE_ENUM_ENTRY", "TARGET_TYPE_SERVICE",
    "TARGET_TYPE_METHOD"};
static const char *const pd_idempotency[] = {"IDEMPOTENCY_UNKNOWN", "NO_SIDE_EFFECTS",
                                             "IDEMPOTENT"};

/* One option of an options message: its field number, its name, its kind,
 * and for an enum the names of its values. Tables list them in the order
 * Confluent's toProtoFile() emits them; `repeated` marks `targets`. */
struct pd_opt {
	uint32_t num;
	const char *name;
	enum pd_okind kind;
	const char *const *values;
	size_t nvalues;
	int repeated;
};

#define PD_V(a) a, sizeof a / sizeof a[0]

#define PD_MAX_OPTS 20

static const struct pd_opt pd_file_opts[] = {
    {1, "java_package", PD_STRING, NULL, 0, 0},
    {8, "java_outer_classname", PD_STRING, NULL, 0, 0},
    {10, "java_multiple_files", PD_BOOL, NULL, 0, 0},
    {20, "java_generate_equals_and_hash", PD_BOOL, NULL, 0, 0},
    {27, "java_string_check_utf8", PD_BOOL, NULL, 0, 0},
    {9, "optimize_for", PD_ENUM, PD_V(pd_optimize), 0},
    {11, "go_package", PD_STRING, NULL, 0, 0},
    {16, "cc_generic_services", PD_BOOL, NULL, 0, 0},
    {17, "java_generic_services", PD_BOOL, NULL, 0, 0},
    {18, "py_generic_services", PD_BOOL, NULL, 0, 0},
    {23, "deprecated", PD_BOOL, NULL, 0, 0},
    {31, "cc_enable_arenas", PD_BOOL, NULL, 0, 0},
    {36, "objc_class_prefix", PD_STRING, NULL, 0, 0},
    {37, "csharp_namespace", PD_STRING, NULL, 0, 0},
    {39, "swift_prefix", PD_STRING, NULL, 0, 0},
    {40, "php_class_prefix", PD_STRING, NULL, 0, 0},
    {41, "php_namespace", PD_STRING, NULL, 0, 0},
    {44, "php_metadata_namespace", PD_STRING, NULL, 0, 0},
    {45, "ruby_package", PD_STRING, NULL, 0, 0},
    {0, NULL, 0, NULL, 0, 0},
};
static const struct pd_opt pd_message_opts[] = {
    {2, "no_standard_descriptor_accessor", PD_BOOL, NULL, 0, 0},
    {3, "deprecated", PD_BOOL, NULL, 0, 0},
    {7, "map_entry", PD_BOOL, NULL, 0, 0},
    {0, NULL, 0, NULL, 0, 0},
};
static const struct pd_opt pd_field_opts[] = {
    {1, "ctype", PD_ENUM, PD_V(pd_ctype), 0},
    {2, "packed", PD_BOOL, NULL, 0, 0},
    {6, "jstype", PD_ENUM, PD_V(pd_jstype), 0},
    {3, "deprecated", PD_BOOL, NULL, 0, 0},
    {16, "debug_redact", PD_BOOL, NULL, 0, 0},
    {17, "retention", PD_ENUM, PD_V(pd_retention), 0},
    {19, "targets", PD_ENUM, PD_V(pd_targets), 1},
    {0, NULL, 0, NULL, 0, 0},
};
static const struct pd_opt pd_enum_opts[] = {
    {2, "allow_alias", PD_BOOL, NULL, 0, 0},
    {3, "deprecated", PD_BOOL, NULL, 0, 0},
    {0, NULL, 0, NULL, 0, 0},
};
static const struct pd_opt pd_value_opts[] = {
    {1, "deprecated", PD_BOOL, NULL, 0, 0},
    {3, "debug_redact", PD_BOOL, NULL, 0, 0},
    {0, NULL, 0, NULL, 0, 0},
};
static const struct pd_opt pd_service_opts[] = {
    {33, "deprecated", PD_BOOL, NULL, 0, 0},
    {0, NULL, 0, NULL, 0, 0},
};
static const struct pd_opt pd_method_opts[] = {
    {33, "deprecated", PD_BOOL, NULL, 0, 0},
    {34, "idempotency_level", PD_ENUM, PD_V(pd_idempotency), 0},
    {0, NULL, 0, NULL, 0, 0},
};

/* The name of value `v` of an option's enum, or NULL (protobuf-java keeps
 * an unknown value of a proto2 enum apart, so Confluent sees no option). */
static const char *pd_enum_name(const struct pd_opt *o, uint64_t v)
{
	return v < o->nvalues ? o->values[v] : NULL;
}

/* Appends option `name` = `text` of `kind` to *tail. */
static struct pbfile_option **pd_add_option(struct pd_dec *d, struct pbfile_option **tail,
                                            const char *name, enum pbfile_kind kind,
                                            const char *text)
{
	struct pbfile_option *o = PD_NEW(d, struct pbfile_option);
	o->name = name;
	o->kind = kind;
	o->value = PD_NEW(d, struct pbfile_value);
	o->value->type = PBFILE_V_TEXT;
	o->value->text = text;
	*tail = o;
	return &o->next;
}

/* Reads an options message (every occurrence of it: protobuf-java merges
 * them, so a later value wins) into the options Confluent keeps, in the
 * table's order, appended to *tail. Returns the new tail. */
static struct pbfile_option **pd_options(struct pd_dec *d, const struct pd_field *occ, size_t nocc,
                                         const struct pd_opt *table, struct pbfile_option **tail)
{
	const char *val[PD_MAX_OPTS] = {0};
	/* `targets` is the only repeated one: kept as a list of values */
	const char *many[64];
	size_t nmany = 0;
	pd_enter(d);
	for (size_t k = 0; k < nocc; k++) {
		struct pd_in in = pd_sub(&occ[k]);
		struct pd_field f;
		while (pd_next(d, &in, &f)) {
			size_t i = 0;
			while (table[i].name && table[i].num != f.num)
				i++;
			const struct pd_opt *o = &table[i];
			if (!o->name)
				continue;
			if (o->kind == PD_STRING && f.wt == 2) {
				val[i] = pd_str(d, &f);
			} else if (o->kind == PD_BOOL && f.wt == 0) {
				val[i] = f.v ? "true" : "false";
			} else if (o->kind == PD_ENUM && o->repeated && (f.wt == 0 || f.wt == 2)) {
				struct pd_in packed = pd_sub(&f);
				while (f.wt == 0 || packed.p < packed.end) {
					uint64_t v = f.wt == 0 ? f.v : pd_varint(d, &packed);
					const char *name = pd_enum_name(o, v);
					if (name && nmany < sizeof many / sizeof many[0])
						many[nmany++] = name;
					if (f.wt == 0)
						break;
				}
			} else if (o->kind == PD_ENUM && f.wt == 0) {
				const char *name = pd_enum_name(o, f.v);
				if (name)
					val[i] = name;
			}
		}
	}
	d->depth--;
	for (size_t i = 0; table[i].name; i++) {
		const struct pd_opt *o = &table[i];
		if (o->repeated) {
			for (size_t j = 0; j < nmany; j++)
				tail = pd_add_option(d, tail, o->name, PBFILE_ENUM, many[j]);
		} else if (val[i]) {
			tail = pd_add_option(d, tail, o->name,
			                     o->kind == PD_STRING ? PBFILE_STRING
			                     : o->kind == PD_BOOL ? PBFILE_BOOLEAN
			                                          : PBFILE_ENUM,
			                     val[i]);
		}
	}
	return tail;
}

/* Collects every occurrence of options field `num` of message `in` (at
 * most `cap`), for pd_options(). */
static size_t pd_collect(struct pd_dec *d, struct pd_in in, uint32_t num, struct pd_field *occ,
                         size_t cap)
{
	size_t n = 0;
	struct pd_field f;
	while (pd_next(d, &in, &f))
		if (f.num == num && f.wt == 2) {
			if (n == cap)
				pd_fail(d, SG_ELIMIT, "an options message given too many times");
			occ[n++] = f;
		}
	return n;
}

#define PD_MAX_OCC 16

/* The confluent/meta.proto extension (field 1088) an options message may
 * hold, by table: "confluent.file_meta" for FileOptions, and so on; NULL
 * for services and methods, which have none. */
#define PD_META 1088
static const char *pd_meta_name(const struct pd_opt *table)
{
	return table == pd_file_opts      ? "confluent.file_meta"
	       : table == pd_message_opts ? "confluent.message_meta"
	       : table == pd_field_opts   ? "confluent.field_meta"
	       : table == pd_enum_opts    ? "confluent.enum_meta"
	       : table == pd_value_opts   ? "confluent.enum_value_meta"
	                                  : NULL;
}

#define PD_MAX_META 4096

static struct pbfile_value *pd_text_value(struct pd_dec *d, const char *text)
{
	struct pbfile_value *v = PD_NEW(d, struct pbfile_value);
	v->type = PBFILE_V_TEXT;
	v->text = text;
	return v;
}

static struct pbfile_entry *pd_entry(struct pd_dec *d, const char *key, struct pbfile_value *v)
{
	struct pbfile_entry *e = PD_NEW(d, struct pbfile_entry);
	e->key = key;
	e->value = v;
	return e;
}

/* Confluent's toOption(name, Meta): the Meta of every occurrence (merged
 * as protobuf merges: the last non-empty doc, params by key in the order
 * keys first came, tags appended) as the option (name) = { doc, params: [
 * {key, value} ...] (value first for "precision" and "scale"), tags: [...]
 * }, each part only when not empty; no option when all are. */
static void pd_meta(struct pd_dec *d, const struct pd_field *occ, size_t nocc, const char *name,
                    struct pbfile_option **tail)
{
	const char *doc = NULL;
	const char **keys = NULL, **values = NULL, **tags = NULL;
	size_t nparams = 0, ntags = 0;
	pd_enter(d);
	for (size_t k = 0; k < nocc; k++) {
		struct pd_in in = pd_sub(&occ[k]);
		struct pd_field f;
		while (pd_next(d, &in, &f)) {
			if (f.num != PD_META || f.wt != 2)
				continue;
			struct pd_in meta = pd_sub(&f);
			struct pd_field g;
			while (pd_next(d, &meta, &g)) {
				if (g.wt != 2)
					continue;
				if (g.num == 1 && g.len) {
					doc = pd_str(d, &g);
				} else if (g.num == 2 || g.num == 3) {
					size_t *count = g.num == 2 ? &nparams : &ntags;
					if (*count == PD_MAX_META)
						pd_fail(d, SG_ELIMIT,
						        "too many Meta params or tags");
					if (!keys) {
						keys = pd_alloc(d, PD_MAX_META * sizeof *keys);
						values = pd_alloc(d, PD_MAX_META * sizeof *values);
						tags = pd_alloc(d, PD_MAX_META * sizeof *tags);
					}
					if (g.num == 3) {
						tags[ntags++] = pd_str(d, &g);
						continue;
					}
					const char *key = "", *value = "";
					struct pd_in ein = pd_sub(&g);
					struct pd_field h;
					while (pd_next(d, &ein, &h))
						if (h.wt == 2 && h.num == 1)
							key = pd_str(d, &h);
						else if (h.wt == 2 && h.num == 2)
							value = pd_str(d, &h);
					size_t i = 0;
					while (i < nparams && strcmp(keys[i], key) != 0)
						i++;
					if (i == nparams)
						keys[nparams++] = key;
					values[i] = value;
				}
			}
		}
	}
	d->depth--;
	if (!doc && !nparams && !ntags)
		return;
	struct pbfile_value *map = PD_NEW(d, struct pbfile_value);
	map->type = PBFILE_V_MAP;
	struct pbfile_entry **etail = &map->entries;
	if (doc) {
		*etail = pd_entry(d, "doc", pd_text_value(d, doc));
		etail = &(*etail)->next;
	}
	if (nparams) {
		struct pbfile_value *list = PD_NEW(d, struct pbfile_value);
		list->type = PBFILE_V_LIST;
		struct pbfile_value **itail = &list->items;
		for (size_t i = 0; i < nparams; i++) {
			struct pbfile_value *kv = PD_NEW(d, struct pbfile_value);
			kv->type = PBFILE_V_MAP;
			struct pbfile_entry *ke = pd_entry(d, "key", pd_text_value(d, keys[i]));
			struct pbfile_entry *ve = pd_entry(d, "value", pd_text_value(d, values[i]));
			/* Confluent: "for backward compatibility, we emit the value first" */
			if (strcmp(keys[i], "precision") == 0 || strcmp(keys[i], "scale") == 0) {
				kv->entries = ve;
				ve->next = ke;
			} else {
				kv->entries = ke;
				ke->next = ve;
			}
			*itail = kv;
			itail = &kv->next;
		}
		*etail = pd_entry(d, "params", list);
		etail = &(*etail)->next;
	}
	if (ntags) {
		struct pbfile_value *list = PD_NEW(d, struct pbfile_value);
		list->type = PBFILE_V_LIST;
		struct pbfile_value **itail = &list->items;
		for (size_t i = 0; i < ntags; i++) {
			*itail = pd_text_value(d, tags[i]);
			itail = &(*itail)->next;
		}
		*etail = pd_entry(d, "tags", list);
	}
	struct pbfile_option *o = PD_NEW(d, struct pbfile_option);
	o->name = name;
	o->parenthesized = 1;
	o->kind = PBFILE_MAP;
	o->value = map;
	*tail = o;
}

static struct pbfile_option *pd_read_options(struct pd_dec *d, struct pd_in msg, uint32_t num,
                                             const struct pd_opt *table)
{
	struct pd_field occ[PD_MAX_OCC];
	size_t n = pd_collect(d, msg, num, occ, PD_MAX_OCC);
	struct pbfile_option *head = NULL;
	struct pbfile_option **tail = pd_options(d, occ, n, table, &head);
	const char *meta = pd_meta_name(table);
	if (meta)
		pd_meta(d, occ, n, meta, tail);
	return head;
}

/* ---- reading the descriptor ---- */

/* FieldDescriptorProto.Type's names, lowercased (Confluent's dataType()). */
static const char *const pd_types[] = {
    NULL,      "double",   "float",    "int64",  "uint64",  "int32", "fixed64",
    "fixed32", "bool",     "string",   "group",  "message", "bytes", "uint32",
    "enum",    "sfixed32", "sfixed64", "sint32", "sint64",
};

/* A FieldDescriptorProto as read, before it becomes a pbfile_field. */
struct pd_fd {
	struct pbfile_field *field;
	const char *extendee; /* "" when absent, as protobuf-java answers */
	int has_oneof, proto3_optional;
	uint64_t oneof;
};

static void pd_read_field(struct pd_dec *d, const struct pd_field *msg, struct pd_fd *out)
{
	struct pd_in in = pd_sub(msg);
	struct pbfile_field *fl = PD_NEW(d, struct pbfile_field);
	const char *name = "", *type_name = NULL, *def = NULL, *json = NULL;
	uint64_t label = 1, type = 1;
	int32_t number = 0;
	struct pd_field f;
	memset(out, 0, sizeof *out);
	out->extendee = "";
	pd_enter(d);
	while (pd_next(d, &in, &f)) {
		if (f.wt == 2 && f.num == 1)
			name = pd_str(d, &f);
		else if (f.wt == 2 && f.num == 2)
			out->extendee = pd_str(d, &f);
		else if (f.wt == 0 && f.num == 3)
			number = (int32_t)(uint32_t)f.v;
		else if (f.wt == 0 && f.num == 4 && f.v >= 1 && f.v <= 3)
			label = f.v;
		else if (f.wt == 0 && f.num == 5 && f.v >= 1 && f.v <= 18)
			type = f.v;
		else if (f.wt == 2 && f.num == 6)
			type_name = pd_str(d, &f);
		else if (f.wt == 2 && f.num == 7)
			def = pd_str(d, &f);
		else if (f.wt == 0 && f.num == 9) {
			out->has_oneof = 1;
			out->oneof = (uint64_t)(int32_t)(uint32_t)f.v;
		} else if (f.wt == 2 && f.num == 10)
			json = pd_str(d, &f);
		else if (f.wt == 0 && f.num == 17)
			out->proto3_optional = f.v != 0;
	}
	fl->options = pd_read_options(d, pd_sub(msg), 8, pd_field_opts);
	d->depth--;
	fl->name = name;
	fl->tag = number;
	fl->type = type_name ? type_name : pd_types[type];
	fl->json_name = json;
	fl->default_value = d->proto3 ? NULL : def;
	/* Confluent's label(): proto3_optional is `optional`; in proto3 an
	 * optional or required field has none */
	if (out->proto3_optional)
		fl->label = PBFILE_LABEL_OPTIONAL;
	else if (label == 3)
		fl->label = PBFILE_LABEL_REPEATED;
	else if (d->proto3)
		fl->label = PBFILE_LABEL_NONE;
	else
		fl->label = label == 2 ? PBFILE_LABEL_REQUIRED : PBFILE_LABEL_OPTIONAL;
	out->field = fl;
}

/* Extend blocks from extension fields, grouped by extendee in the order
 * each first appears (Confluent's toExtendElements). */
static struct pbfile_extend *pd_read_extends(struct pd_dec *d, struct pd_in in, uint32_t num)
{
	struct pbfile_extend *head = NULL, **tail = &head;
	struct pd_field f;
	while (pd_next(d, &in, &f)) {
		if (f.num != num || f.wt != 2)
			continue;
		struct pd_fd fd;
		pd_read_field(d, &f, &fd);
		struct pbfile_extend *e = head;
		while (e && strcmp(e->name, fd.extendee) != 0)
			e = e->next;
		if (!e) {
			e = PD_NEW(d, struct pbfile_extend);
			e->name = fd.extendee;
			*tail = e;
			tail = &e->next;
		}
		struct pbfile_field **ft = &e->fields;
		while (*ft)
			ft = &(*ft)->next;
		*ft = fd.field;
	}
	return head;
}

/* A ReservedRange / ExtensionRange (end exclusive) or an EnumReservedRange
 * (end inclusive) as one reserved value: a tag when it holds one number. */
static struct pbfile_reserved *pd_read_range(struct pd_dec *d, const struct pd_field *msg,
                                             int inclusive)
{
	struct pd_in in = pd_sub(msg);
	struct pd_field f;
	int32_t start = 0, end = 0;
	pd_enter(d);
	while (pd_next(d, &in, &f)) {
		if (f.wt == 0 && f.num == 1)
			start = (int32_t)(uint32_t)f.v;
		else if (f.wt == 0 && f.num == 2)
			end = (int32_t)(uint32_t)f.v;
	}
	d->depth--;
	if (!inclusive)
		end = (int32_t)((uint32_t)end - 1);
	struct pbfile_reserved *r = PD_NEW(d, struct pbfile_reserved);
	r->values = PD_NEW(d, struct pbfile_range);
	r->values->kind = start == end ? PBFILE_R_TAG : PBFILE_R_RANGE;
	r->values->start = start;
	r->values->end = end;
	return r;
}

static struct pbfile_reserved *pd_reserved_name(struct pd_dec *d, const struct pd_field *f)
{
	struct pbfile_reserved *r = PD_NEW(d, struct pbfile_reserved);
	r->values = PD_NEW(d, struct pbfile_range);
	r->values->kind = PBFILE_R_NAME;
	r->values->name = pd_str(d, f);
	return r;
}

static struct pbfile_type *pd_read_enum(struct pd_dec *d, const struct pd_field *msg)
{
	struct pbfile_type *t = PD_NEW(d, struct pbfile_type);
	t->is_enum = 1;
	t->name = "";
	struct pbfile_constant **ctail = &t->constants;
	struct pbfile_reserved **rtail = &t->reserveds;
	struct pd_in in = pd_sub(msg);
	struct pd_field f;
	pd_enter(d);
	/* ranges first, then names (Confluent's order) */
	while (pd_next(d, &in, &f)) {
		if (f.wt == 2 && f.num == 1) {
			t->name = pd_str(d, &f);
		} else if (f.wt == 2 && f.num == 2) {
			struct pbfile_constant *k = PD_NEW(d, struct pbfile_constant);
			struct pd_in vin = pd_sub(&f);
			struct pd_field g;
			k->name = "";
			pd_enter(d);
			while (pd_next(d, &vin, &g)) {
				if (g.wt == 2 && g.num == 1)
					k->name = pd_str(d, &g);
				else if (g.wt == 0 && g.num == 2)
					k->tag = (int32_t)(uint32_t)g.v;
			}
			k->options = pd_read_options(d, pd_sub(&f), 3, pd_value_opts);
			d->depth--;
			*ctail = k;
			ctail = &k->next;
		} else if (f.wt == 2 && f.num == 4) {
			*rtail = pd_read_range(d, &f, 1);
			rtail = &(*rtail)->next;
		}
	}
	in = pd_sub(msg);
	while (pd_next(d, &in, &f))
		if (f.wt == 2 && f.num == 5) {
			*rtail = pd_reserved_name(d, &f);
			rtail = &(*rtail)->next;
		}
	t->options = pd_read_options(d, pd_sub(msg), 3, pd_enum_opts);
	d->depth--;
	return t;
}

#define PD_MAX_ONEOFS 4096

static struct pbfile_type *pd_read_message(struct pd_dec *d, const struct pd_field *msg)
{
	struct pbfile_type *t = PD_NEW(d, struct pbfile_type);
	t->name = "";
	pd_enter(d);
	struct pd_in in = pd_sub(msg);
	struct pd_field f;
	size_t noneofs = 0;
	/* the oneofs, in declaration order, then filled with their fields */
	struct pbfile_oneof *oneofs = NULL, **otail = &oneofs;
	while (pd_next(d, &in, &f)) {
		if (f.wt == 2 && f.num == 1) {
			t->name = pd_str(d, &f);
		} else if (f.wt == 2 && f.num == 8) {
			if (++noneofs > PD_MAX_ONEOFS)
				pd_fail(d, SG_ELIMIT, "too many oneofs");
			struct pbfile_oneof *o = PD_NEW(d, struct pbfile_oneof);
			struct pd_in oin = pd_sub(&f);
			struct pd_field g;
			o->name = "";
			pd_enter(d);
			while (pd_next(d, &oin, &g))
				if (g.wt == 2 && g.num == 1)
					o->name = pd_str(d, &g);
			d->depth--;
			*otail = o;
			otail = &o->next;
		}
	}
	struct pbfile_field **ftail = &t->fields;
	struct pbfile_type **ntail = &t->nested;
	struct pbfile_reserved **rtail = &t->reserveds, **xtail = &t->extensions;
	in = pd_sub(msg);
	while (pd_next(d, &in, &f)) {
		if (f.wt != 2)
			continue;
		if (f.num == 2) {
			struct pd_fd fd;
			pd_read_field(d, &f, &fd);
			if (fd.has_oneof && !fd.proto3_optional) {
				if (fd.oneof >= noneofs)
					pd_fail(d, SG_EINVALID_SCHEMA,
					        "a field's oneof_index is out of range");
				struct pbfile_oneof *o = oneofs;
				for (uint64_t i = 0; i < fd.oneof; i++)
					o = o->next;
				fd.field->label = PBFILE_LABEL_NONE;
				struct pbfile_field **ot = &o->fields;
				while (*ot)
					ot = &(*ot)->next;
				*ot = fd.field;
			} else {
				*ftail = fd.field;
				ftail = &fd.field->next;
			}
		} else if (f.num == 3) {
			*ntail = pd_read_message(d, &f);
			ntail = &(*ntail)->next;
		} else if (f.num == 9) {
			*rtail = pd_read_range(d, &f, 0);
			rtail = &(*rtail)->next;
		} else if (f.num == 5) {
			*xtail = pd_read_range(d, &f, 0);
			xtail = &(*xtail)->next;
		}
	}
	/* nested enums after the nested messages; reserved names after ranges */
	in = pd_sub(msg);
	while (pd_next(d, &in, &f)) {
		if (f.wt == 2 && f.num == 4) {
			*ntail = pd_read_enum(d, &f);
			ntail = &(*ntail)->next;
		} else if (f.wt == 2 && f.num == 10) {
			*rtail = pd_reserved_name(d, &f);
			rtail = &(*rtail)->next;
		}
	}
	/* oneofs without fields are dropped (the synthetic ones of proto3
	 * optional fields among them) */
	struct pbfile_oneof **keep = &t->oneofs;
	for (struct pbfile_oneof *o = oneofs; o; o = o->next)
		if (o->fields) {
			*keep = o;
			keep = &o->next;
		}
	*keep = NULL;
	t->options = pd_read_options(d, pd_sub(msg), 7, pd_message_opts);
	t->extends = pd_read_extends(d, pd_sub(msg), 6);
	d->depth--;
	return t;
}

static struct pbfile_service *pd_read_service(struct pd_dec *d, const struct pd_field *msg)
{
	struct pbfile_service *s = PD_NEW(d, struct pbfile_service);
	s->name = "";
	struct pbfile_rpc **tail = &s->rpcs;
	struct pd_in in = pd_sub(msg);
	struct pd_field f;
	pd_enter(d);
	while (pd_next(d, &in, &f)) {
		if (f.wt == 2 && f.num == 1) {
			s->name = pd_str(d, &f);
		} else if (f.wt == 2 && f.num == 2) {
			struct pbfile_rpc *r = PD_NEW(d, struct pbfile_rpc);
			struct pd_in min = pd_sub(&f);
			struct pd_field g;
			r->name = r->request = r->response = "";
			pd_enter(d);
			while (pd_next(d, &min, &g)) {
				if (g.wt == 2 && g.num == 1)
					r->name = pd_str(d, &g);
				else if (g.wt == 2 && g.num == 2)
					r->request = pd_str(d, &g);
				else if (g.wt == 2 && g.num == 3)
					r->response = pd_str(d, &g);
				else if (g.wt == 0 && g.num == 5)
					r->request_streaming = g.v != 0;
				else if (g.wt == 0 && g.num == 6)
					r->response_streaming = g.v != 0;
			}
			r->options = pd_read_options(d, pd_sub(&f), 4, pd_method_opts);
			d->depth--;
			*tail = r;
			tail = &r->next;
		}
	}
	s->options = pd_read_options(d, pd_sub(msg), 3, pd_service_opts);
	d->depth--;
	return s;
}

static void pd_add_name(struct pd_dec *d, struct pbfile_name ***tail, const char *name)
{
	struct pbfile_name *n = PD_NEW(d, struct pbfile_name);
	n->name = name;
	**tail = n;
	*tail = &n->next;
}

/* 1 when `v` is among the int32 values of repeated field `num` of `in`
 * (packed or not). */
static int pd_has_index(struct pd_dec *d, struct pd_in in, uint32_t num, uint64_t v)
{
	struct pd_field f;
	int found = 0;
	while (pd_next(d, &in, &f)) {
		if (f.num != num)
			continue;
		if (f.wt == 0) {
			found |= (uint64_t)(int32_t)(uint32_t)f.v == v;
		} else if (f.wt == 2) {
			struct pd_in packed = pd_sub(&f);
			while (packed.p < packed.end)
				found |= (uint64_t)(int32_t)(uint32_t)pd_varint(d, &packed) == v;
		}
	}
	return found;
}

#define PD_MAX_DEPS 4096

static void pd_read_file(struct pd_dec *d, struct pd_in top)
{
	struct pbfile *file = d->file;
	struct pd_in in = top;
	struct pd_field f;
	const char *syntax = NULL, *package = NULL;
	while (pd_next(d, &in, &f)) {
		if (f.wt == 2 && f.num == 12)
			syntax = pd_str(d, &f);
		else if (f.wt == 2 && f.num == 2)
			package = pd_str(d, &f);
	}
	/* Confluent: "proto2" and "proto3" are syntaxes, anything else none */
	if (syntax && strcmp(syntax, "proto2") == 0)
		file->syntax = PBFILE_SYNTAX_PROTO2;
	else if (syntax && strcmp(syntax, "proto3") == 0)
		file->syntax = PBFILE_SYNTAX_PROTO3;
	d->proto3 = file->syntax == PBFILE_SYNTAX_PROTO3;
	file->package = package && *package ? package : NULL;
	struct pbfile_name **imp = &file->imports, **pub = &file->public_imports,
	                   **weak = &file->weak_imports;
	struct pbfile_type **ttail = &file->types;
	struct pbfile_service **stail = &file->services;
	uint64_t dep = 0;
	in = top;
	while (pd_next(d, &in, &f)) {
		if (f.wt != 2)
			continue;
		if (f.num == 3) {
			if (dep == PD_MAX_DEPS)
				pd_fail(d, SG_ELIMIT, "too many dependencies");
			const char *name = pd_str(d, &f);
			if (pd_has_index(d, top, 10, dep))
				pd_add_name(d, &pub, name);
			else if (pd_has_index(d, top, 11, dep))
				pd_add_name(d, &weak, name);
			else
				pd_add_name(d, &imp, name);
			dep++;
		} else if (f.num == 4) {
			*ttail = pd_read_message(d, &f);
			ttail = &(*ttail)->next;
		} else if (f.num == 6) {
			*stail = pd_read_service(d, &f);
			stail = &(*stail)->next;
		}
	}
	in = top;
	while (pd_next(d, &in, &f))
		if (f.wt == 2 && f.num == 5) {
			*ttail = pd_read_enum(d, &f);
			ttail = &(*ttail)->next;
		}
	file->options = pd_read_options(d, top, 8, pd_file_opts);
	file->extends = pd_read_extends(d, top, 7);
}

struct pbfile *pbdesc_decode(const uint8_t *p, size_t n, struct sg_error *err)
{
	struct sg_error local;
	if (!err) {
		error_clear(&local);
		err = &local;
	}
	if (n > PBDESC_MAX_BYTES) {
		error_set(err, SG_ELIMIT, "Protobuf descriptor too large: %zu bytes, at most %u", n,
		          PBDESC_MAX_BYTES);
		return NULL;
	}
	struct pbfile *file = pbfile_new(err);
	if (!file)
		return NULL;
	/* volatile: read after a longjmp() */
	struct pd_dec *volatile d = calloc(1, sizeof *d);
	if (!d) {
		pbfile_free(file);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	d->file = file;
	d->err = err;
	if (setjmp(d->fail) == 0) {
		pd_read_file(d, (struct pd_in){p, p + n});
	} else {
		pbfile_free(file);
		file = NULL;
	}
	free(d);
	return file;
}

struct pbfile *pbdesc_decode_base64(const char *text, size_t len, struct sg_error *err)
{
	if (len / 4 * 3 > PBDESC_MAX_BYTES) {
		error_set(err, SG_ELIMIT, "Protobuf descriptor too large");
		return NULL;
	}
	uint8_t *buf = malloc(len / 4 * 3 + 3);
	if (!buf) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	long n = pbdesc_base64_decode(text, len, buf);
	struct pbfile *f = NULL;
	if (n < 0)
		error_set(err, SG_EINVALID_SCHEMA, "not base64");
	else
		f = pbdesc_decode(buf, (size_t)n, err);
	free(buf);
	return f;
}

/* ---- writing the descriptor ---- */

#define PD_MAX_OUT (16u * 1024 * 1024)

/* A growable byte buffer; `failed` holds the first error and makes every
 * later write a no-op. */
struct pd_out {
	uint8_t *p;
	size_t len, cap;
	int failed;
};

static void po_bytes(struct pd_out *o, const void *s, size_t n)
{
	if (o->failed)
		return;
	if (n > PD_MAX_OUT - o->len) {
		o->failed = SG_ELIMIT;
		return;
	}
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 64;
		while (cap < o->len + n)
			cap *= 2;
		uint8_t *p = realloc(o->p, cap);
		if (!p) {
			o->failed = SG_ENOMEM;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	if (n)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void po_varint(struct pd_out *o, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	po_bytes(o, b, n);
}

/* An int32 field (a negative one is ten bytes, as protobuf writes it), a
 * bool or an enum. */
static void po_int(struct pd_out *o, uint32_t num, int64_t v)
{
	po_varint(o, (uint64_t)num << 3);
	po_varint(o, (uint64_t)v);
}

static void po_len(struct pd_out *o, uint32_t num, const void *s, size_t n)
{
	po_varint(o, (uint64_t)num << 3 | 2);
	po_varint(o, n);
	po_bytes(o, s, n);
}

static void po_str(struct pd_out *o, uint32_t num, const char *s)
{
	po_len(o, num, s, strlen(s));
}

/* Appends `child` as field `num` of `o` and releases it. */
static void po_sub(struct pd_out *o, uint32_t num, struct pd_out *child)
{
	if (child->failed && !o->failed)
		o->failed = child->failed;
	po_len(o, num, child->p, child->len);
	free(child->p);
	*child = (struct pd_out){0};
}

/* Appends the bytes of `part` to `o` and releases it. */
static void po_cat(struct pd_out *o, struct pd_out *part)
{
	if (part->failed && !o->failed)
		o->failed = part->failed;
	po_bytes(o, part->p, part->len);
	free(part->p);
	*part = (struct pd_out){0};
}

struct pd_enc {
	const struct pbnames *names;
	int proto3;
	char *scope; /* the package and enclosing messages, dotted */
	size_t scope_len, scope_cap;
	int failed;
};

static size_t pe_enter(struct pd_enc *e, const char *name)
{
	size_t saved = e->scope_len, ln = strlen(name), need = saved + 1 + ln + 1;
	if (need > e->scope_cap) {
		size_t cap = e->scope_cap ? e->scope_cap : 128;
		while (cap < need)
			cap *= 2;
		char *p = realloc(e->scope, cap);
		if (!p) {
			e->failed = SG_ENOMEM;
			return saved;
		}
		e->scope = p;
		e->scope_cap = cap;
	}
	if (e->scope_len)
		e->scope[e->scope_len++] = '.';
	memcpy(e->scope + e->scope_len, name, ln + 1);
	e->scope_len += ln;
	return saved;
}

static void pe_leave(struct pd_enc *e, size_t saved)
{
	e->scope_len = saved;
	if (e->scope)
		e->scope[saved] = '\0';
}

/* Confluent's mergeOptions(): the last option of that name (a leading '.'
 * dropped), when its value is a plain one; NULL otherwise. */
static const char *pe_option(const struct pbfile_option *o, const char *name)
{
	const char *found = NULL;
	for (; o; o = o->next) {
		const char *n = o->name[0] == '.' ? o->name + 1 : o->name;
		if (strcmp(n, name) == 0)
			found = o->value && o->value->type == PBFILE_V_TEXT ? o->value->text : NULL;
	}
	return found;
}

/* The text of a plain value (a string, or a bare word), else NULL. */
static const char *pe_text(const struct pbfile_value *v)
{
	return v && (v->type == PBFILE_V_TEXT || v->type == PBFILE_V_PRIM) ? v->text : NULL;
}

/* A {key, value} map of Meta's params into keys/values (at most cap). */
static void pe_param(const struct pbfile_value *kv, const char **keys, const char **values,
                     size_t *n, size_t cap)
{
	if (!kv || kv->type != PBFILE_V_MAP || *n == cap)
		return;
	const char *key = NULL, *value = NULL;
	for (const struct pbfile_entry *e = kv->entries; e; e = e->next)
		if (strcmp(e->key, "key") == 0)
			key = pe_text(e->value);
		else if (strcmp(e->key, "value") == 0)
			value = pe_text(e->value);
	if (!key)
		return;
	size_t i = 0;
	while (i < *n && strcmp(keys[i], key) != 0)
		i++;
	if (i == *n)
		keys[(*n)++] = key;
	values[i] = value ? value : "";
}

/* One part of a Meta option (doc, params or tags) into the accumulators. */
static void pe_meta_part(const char *key, const struct pbfile_value *v, const char **doc,
                         const char **keys, const char **values, size_t *nparams, const char **tags,
                         size_t *ntags, size_t cap)
{
	if (strcmp(key, "doc") == 0 && pe_text(v)) {
		*doc = pe_text(v);
	} else if (strcmp(key, "params") == 0) {
		if (v->type == PBFILE_V_LIST)
			for (const struct pbfile_value *it = v->items; it; it = it->next)
				pe_param(it, keys, values, nparams, cap);
		else
			pe_param(v, keys, values, nparams, cap);
	} else if (strcmp(key, "tags") == 0) {
		if (v->type == PBFILE_V_LIST) {
			for (const struct pbfile_value *it = v->items; it; it = it->next)
				if (pe_text(it) && *ntags < cap)
					tags[(*ntags)++] = pe_text(it);
		} else if (pe_text(v) && *ntags < cap) {
			tags[(*ntags)++] = pe_text(v);
		}
	}
}

#define PE_MAX_META 1024

/* Confluent's findMeta() then toMeta(): the confluent/meta.proto option
 * `name` of `opts` (a map { doc, params, tags }, or (name).doc = ...) as
 * field 1088 of the options message: a Meta with doc, the params in the
 * order their keys came, the tags. */
static void pe_meta(struct pd_out *m, const struct pbfile_option *opts, const char *name)
{
	const char *doc = NULL, *keys[PE_MAX_META], *values[PE_MAX_META], *tags[PE_MAX_META];
	size_t nparams = 0, ntags = 0;
	int found = 0;
	for (const struct pbfile_option *o = opts; o; o = o->next) {
		const char *n = o->name[0] == '.' ? o->name + 1 : o->name;
		if (strcmp(n, name) != 0 || !o->value)
			continue;
		found = 1;
		if (o->kind == PBFILE_MAP) {
			for (const struct pbfile_entry *e = o->value->entries; e; e = e->next)
				pe_meta_part(e->key, e->value, &doc, keys, values, &nparams, tags,
				             &ntags, PE_MAX_META);
		} else if (o->kind == PBFILE_OPTION && o->value->option) {
			const struct pbfile_option *in = o->value->option;
			pe_meta_part(in->name, in->value, &doc, keys, values, &nparams, tags,
			             &ntags, PE_MAX_META);
		}
	}
	if (!found || (!doc && !nparams && !ntags))
		return;
	struct pd_out meta = {0};
	if (doc && *doc)
		po_str(&meta, 1, doc);
	for (size_t i = 0; i < nparams; i++) {
		struct pd_out entry = {0};
		po_str(&entry, 1, keys[i]);
		po_str(&entry, 2, values[i]);
		po_sub(&meta, 2, &entry);
	}
	for (size_t i = 0; i < ntags; i++)
		po_str(&meta, 3, tags[i]);
	po_sub(m, PD_META, &meta);
}

/* Writes the options message Confluent's builder makes from `opts` (the
 * options it knows, in field-number order) as field `num` of `o`, when it
 * has any. */
static void pe_options(struct pd_out *o, uint32_t num, const struct pbfile_option *opts,
                       const struct pd_opt *table)
{
	struct pd_out m = {0};
	uint32_t last = 0;
	for (;;) {
		/* the next table entry by field number */
		const struct pd_opt *next = NULL;
		for (size_t i = 0; table[i].name; i++)
			if (table[i].num > last && (!next || table[i].num < next->num))
				next = &table[i];
		if (!next)
			break;
		last = next->num;
		if (next->repeated) {
			for (const struct pbfile_option *x = opts; x; x = x->next) {
				if (strcmp(x->name, next->name) != 0 || !x->value ||
				    x->value->type != PBFILE_V_TEXT)
					continue;
				for (size_t v = 0; v < next->nvalues; v++)
					if (next->values[v] &&
					    strcmp(next->values[v], x->value->text) == 0)
						po_int(&m, next->num, (int64_t)v);
			}
			continue;
		}
		const char *text = pe_option(opts, next->name);
		if (!text)
			continue;
		if (next->kind == PD_STRING) {
			po_str(&m, next->num, text);
		} else if (next->kind == PD_BOOL) {
			/* Java's Boolean.parseBoolean() */
			po_int(&m, next->num, strcasecmp(text, "true") == 0);
		} else {
			for (size_t v = 0; v < next->nvalues; v++)
				if (next->values[v] && strcmp(next->values[v], text) == 0)
					po_int(&m, next->num, (int64_t)v);
		}
	}
	const char *meta = pd_meta_name(table);
	if (meta)
		pe_meta(&m, opts, meta);
	if (m.len || m.failed)
		po_sub(o, num, &m);
	free(m.p);
}

static const char *const pd_scalar_names[] = {
    "double", "float", "int64",  "uint64",   "int32",    "fixed64", "fixed32", "bool",
    "string", "bytes", "uint32", "sfixed32", "sfixed64", "sint32",  "sint64",
};
static const int pd_scalar_numbers[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 16, 17, 18};

/* FieldDefinition.Builder.setType(): a scalar's type, or the type a name
 * resolves to (message or enum; none when it does not resolve) and the
 * name as written. */
static void pe_type(struct pd_enc *e, struct pd_out *o, const char *type)
{
	for (size_t i = 0; i < sizeof pd_scalar_numbers / sizeof pd_scalar_numbers[0]; i++)
		if (strcmp(type, pd_scalar_names[i]) == 0) {
			po_int(o, 5, pd_scalar_numbers[i]);
			return;
		}
	const struct pbnames_type *t = pbnames_resolve(e->names, e->scope, e->scope_len, type);
	if (t)
		po_int(o, 5, t->kind == PBNAMES_ENUM ? 14 : 11);
	po_str(o, 6, type);
}

/* end + 1 as Java computes it on an int: past INT32_MAX it wraps. */
static int32_t pe_plus_one(int32_t end)
{
	return (int32_t)((uint32_t)end + 1u);
}

enum pe_label { PE_NONE, PE_OPTIONAL, PE_REQUIRED, PE_REPEATED };

/* One FieldDescriptorProto (toDynamicField), as field `num` of `o`. */
static void pe_field(struct pd_enc *e, struct pd_out *o, uint32_t num, const struct pbfile_field *f,
                     const char *type, enum pe_label label, int proto3_optional, int oneof,
                     const char *extendee)
{
	struct pd_out m = {0};
	po_str(&m, 1, f->name);
	if (extendee)
		po_str(&m, 2, extendee);
	po_int(&m, 3, f->tag);
	if (label != PE_NONE)
		po_int(&m, 4, label);
	/* type (5) and type_name (6) */
	struct pd_out t = {0};
	pe_type(e, &t, type);
	po_cat(&m, &t);
	if (f->default_value)
		po_str(&m, 7, f->default_value);
	pe_options(&m, 8, f->options, pd_field_opts);
	if (oneof >= 0)
		po_int(&m, 9, oneof);
	if (f->json_name)
		po_str(&m, 10, f->json_name);
	if (proto3_optional)
		po_int(&m, 17, 1);
	po_sub(o, num, &m);
}

static enum pe_label pe_label_of(enum pbfile_label l)
{
	return l == PBFILE_LABEL_OPTIONAL   ? PE_OPTIONAL
	       : l == PBFILE_LABEL_REQUIRED ? PE_REQUIRED
	       : l == PBFILE_LABEL_REPEATED ? PE_REPEATED
	                                    : PE_NONE;
}

/* Guava's LOWER_UNDERSCORE.to(UPPER_CAMEL) when the name has a '_' (every
 * word capitalized, the rest of it lowercased), then "Entry": Confluent's
 * toMapEntry(). Writes into out (cap bytes); 0, or -1 when too long. */
static int pe_map_entry_name(const char *name, char *out, size_t cap)
{
	size_t n = 0, ln = strlen(name);
	if (ln + sizeof "Entry" > cap)
		return -1;
	if (!strchr(name, '_')) {
		memcpy(out, name, ln);
		n = ln;
	} else {
		int start = 1;
		for (size_t i = 0; i < ln; i++) {
			char c = name[i];
			if (c == '_') {
				start = 1;
				continue;
			}
			if (start && c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (!start && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			start = 0;
			out[n++] = c;
		}
	}
	memcpy(out + n, "Entry", sizeof "Entry");
	return 0;
}

/* Splits "map<K, V>" into its key and value types (trimmed) in k and v. */
static int pe_map_types(const char *type, char *k, char *v, size_t cap)
{
	if (strncmp(type, "map<", 4) != 0)
		return -1;
	const char *p = type + 4, *comma = strchr(p, ','), *close = strrchr(p, '>');
	if (!comma || !close || close < comma)
		return -1;
	while (*p == ' ')
		p++;
	size_t lk = (size_t)(comma - p);
	while (lk && p[lk - 1] == ' ')
		lk--;
	const char *q = comma + 1;
	while (*q == ' ')
		q++;
	size_t lv = (size_t)(close - q);
	while (lv && q[lv - 1] == ' ')
		lv--;
	if (lk >= cap || lv >= cap)
		return -1;
	memcpy(k, p, lk);
	k[lk] = '\0';
	memcpy(v, q, lv);
	v[lv] = '\0';
	return 0;
}

static void pe_extends(struct pd_enc *e, struct pd_out *o, uint32_t num,
                       const struct pbfile_extend *x)
{
	for (; x; x = x->next)
		for (const struct pbfile_field *f = x->fields; f; f = f->next)
			pe_field(e, o, num, f, f->type, pe_label_of(f->label), 0, -1, x->name);
}

static void pe_enum(struct pd_enc *e, struct pd_out *o, uint32_t num, const struct pbfile_type *t)
{
	struct pd_out m = {0}, values = {0}, ranges = {0}, names = {0};
	(void)e;
	po_str(&m, 1, t->name);
	for (const struct pbfile_constant *k = t->constants; k; k = k->next) {
		struct pd_out v = {0};
		po_str(&v, 1, k->name);
		po_int(&v, 2, k->tag);
		pe_options(&v, 3, k->options, pd_value_opts);
		po_sub(&values, 2, &v);
	}
	for (const struct pbfile_reserved *r = t->reserveds; r; r = r->next)
		for (const struct pbfile_range *v = r->values; v; v = v->next) {
			if (v->kind == PBFILE_R_NAME) {
				po_str(&names, 5, v->name);
				continue;
			}
			struct pd_out rr = {0};
			po_int(&rr, 1, v->start);
			po_int(&rr, 2, v->kind == PBFILE_R_RANGE ? v->end : v->start);
			po_sub(&ranges, 4, &rr);
		}
	po_cat(&m, &values);
	pe_options(&m, 3, t->options, pd_enum_opts);
	po_cat(&m, &ranges);
	po_cat(&m, &names);
	po_sub(o, num, &m);
}

static void pe_message(struct pd_enc *e, struct pd_out *o, uint32_t num,
                       const struct pbfile_type *t)
{
	struct pd_out m = {0}, fields = {0}, nested = {0}, enums = {0}, xranges = {0}, exts = {0},
	              oneofs = {0}, ranges = {0}, rnames = {0};
	po_str(&m, 1, t->name);
	size_t saved = pe_enter(e, t->name);
	for (const struct pbfile_type *n = t->nested; n; n = n->next) {
		if (n->is_enum)
			pe_enum(e, &enums, 4, n);
		else
			pe_message(e, &nested, 3, n);
	}
	/* oneofs first: their fields lead the list */
	int noneof = 0;
	for (const struct pbfile_oneof *x = t->oneofs; x; x = x->next) {
		struct pd_out d = {0}, opts = {0};
		po_str(&d, 1, x->name);
		po_sub(&d, 2, &opts); /* OneofOptions, merged even when empty */
		po_sub(&oneofs, 8, &d);
		for (const struct pbfile_field *f = x->fields; f; f = f->next)
			pe_field(e, &fields, 2, f, f->type, PE_OPTIONAL, 0, noneof, NULL);
		noneof++;
	}
	for (const struct pbfile_field *f = t->fields; f; f = f->next) {
		/* a field also in a oneof (by name) was added there */
		int dup = 0;
		for (const struct pbfile_oneof *x = t->oneofs; x && !dup; x = x->next)
			for (const struct pbfile_field *g = x->fields; g && !dup; g = g->next)
				dup = strcmp(g->name, f->name) == 0;
		if (dup)
			continue;
		enum pe_label label = pe_label_of(f->label);
		const char *type = f->type;
		char entry[512], key[512], value[512];
		if (pe_map_types(f->type, key, value, sizeof key) == 0 &&
		    pe_map_entry_name(f->name, entry, sizeof entry) == 0) {
			label = PE_REPEATED;
			type = entry;
			struct pd_out em = {0}, kf = {0}, opts = {0};
			po_str(&em, 1, entry);
			struct pbfile_field kfield = {.name = "key", .tag = 1};
			struct pbfile_field vfield = {.name = "value", .tag = 2};
			pe_field(e, &kf, 2, &kfield, key, PE_NONE, 0, -1, NULL);
			pe_field(e, &kf, 2, &vfield, value, PE_NONE, 0, -1, NULL);
			po_cat(&em, &kf);
			po_int(&opts, 7, 1); /* map_entry = true */
			po_sub(&em, 7, &opts);
			po_sub(&nested, 3, &em);
		}
		if (label == PE_OPTIONAL && e->proto3) {
			/* a synthetic oneof, after the real ones */
			struct pd_out d = {0}, opts = {0};
			size_t ln = strlen(f->name);
			char *name = malloc(ln + 2);
			if (!name) {
				e->failed = SG_ENOMEM;
				break;
			}
			name[0] = '_';
			memcpy(name + 1, f->name, ln + 1);
			po_str(&d, 1, name);
			free(name);
			po_sub(&d, 2, &opts);
			po_sub(&oneofs, 8, &d);
			pe_field(e, &fields, 2, f, type, PE_OPTIONAL, 1, noneof++, NULL);
		} else {
			pe_field(e, &fields, 2, f, type, label, 0, -1, NULL);
		}
	}
	for (const struct pbfile_reserved *r = t->reserveds; r; r = r->next)
		for (const struct pbfile_range *v = r->values; v; v = v->next) {
			if (v->kind == PBFILE_R_NAME) {
				po_str(&rnames, 10, v->name);
				continue;
			}
			struct pd_out rr = {0};
			po_int(&rr, 1, v->start);
			po_int(&rr, 2, pe_plus_one(v->kind == PBFILE_R_RANGE ? v->end : v->start));
			po_sub(&ranges, 9, &rr);
		}
	for (const struct pbfile_reserved *r = t->extensions; r; r = r->next)
		for (const struct pbfile_range *v = r->values; v; v = v->next) {
			if (v->kind == PBFILE_R_NAME)
				continue;
			struct pd_out rr = {0}, opts = {0};
			po_int(&rr, 1, v->start);
			po_int(&rr, 2, pe_plus_one(v->kind == PBFILE_R_RANGE ? v->end : v->start));
			po_sub(&rr, 3, &opts); /* ExtensionRangeOptions, merged even when empty */
			po_sub(&xranges, 5, &rr);
		}
	pe_extends(e, &exts, 6, t->extends);
	po_cat(&m, &fields);
	po_cat(&m, &nested);
	po_cat(&m, &enums);
	po_cat(&m, &xranges);
	po_cat(&m, &exts);
	pe_options(&m, 7, t->options, pd_message_opts);
	po_cat(&m, &oneofs);
	po_cat(&m, &ranges);
	po_cat(&m, &rnames);
	pe_leave(e, saved);
	po_sub(o, num, &m);
}

static void pe_service(struct pd_out *o, const struct pbfile_service *s)
{
	struct pd_out m = {0};
	po_str(&m, 1, s->name);
	for (const struct pbfile_rpc *r = s->rpcs; r; r = r->next) {
		struct pd_out x = {0};
		po_str(&x, 1, r->name);
		po_str(&x, 2, r->request);
		po_str(&x, 3, r->response);
		pe_options(&x, 4, r->options, pd_method_opts);
		po_int(&x, 5, r->request_streaming != 0);
		po_int(&x, 6, r->response_streaming != 0);
		po_sub(&m, 2, &x);
	}
	pe_options(&m, 3, s->options, pd_service_opts);
	po_sub(o, 6, &m);
}

static void pe_base64(const uint8_t *p, size_t n, char *out)
{
	size_t k = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[k++] = pd_b64[v >> 18];
		out[k++] = pd_b64[(v >> 12) & 63];
		out[k++] = pd_b64[(v >> 6) & 63];
		out[k++] = pd_b64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[k++] = pd_b64[v >> 18];
		out[k++] = pd_b64[(v >> 12) & 63];
		out[k++] = '=';
		out[k++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[k++] = pd_b64[v >> 18];
		out[k++] = pd_b64[(v >> 12) & 63];
		out[k++] = pd_b64[(v >> 6) & 63];
		out[k++] = '=';
	}
	out[k] = '\0';
}

char *pbdesc_encode(const struct pbfile *f, const struct pbnames *names, struct sg_error *err)
{
	struct pd_enc e = {.names = names, .proto3 = f->syntax == PBFILE_SYNTAX_PROTO3};
	struct pd_out o = {0}, pub = {0};
	po_str(&o, 1, "default");
	if (f->package) {
		po_str(&o, 2, f->package);
		pe_enter(&e, f->package);
	}
	/* the imports (each once: DynamicSchema's addDependency), then the
	 * public ones, an import already listed only marked public */
	int ndeps = 0;
	const struct pbfile_name *lists[2] = {f->imports, f->public_imports};
	for (int l = 0; l < 2; l++)
		for (const struct pbfile_name *n = lists[l]; n; n = n->next) {
			int at = -1, i = 0;
			for (int k = 0; k <= l && at < 0; k++)
				for (const struct pbfile_name *m = lists[k]; m && m != n && at < 0;
				     m = m->next, i++)
					if (strcmp(m->name, n->name) == 0)
						at = i;
			if (at < 0) {
				po_str(&o, 3, n->name);
				at = ndeps++;
			}
			if (l == 1)
				po_int(&pub, 10, at);
		}
	for (const struct pbfile_type *t = f->types; t; t = t->next)
		if (!t->is_enum)
			pe_message(&e, &o, 4, t);
	for (const struct pbfile_type *t = f->types; t; t = t->next)
		if (t->is_enum)
			pe_enum(&e, &o, 5, t);
	for (const struct pbfile_service *s = f->services; s; s = s->next)
		pe_service(&o, s);
	pe_extends(&e, &o, 7, f->extends);
	pe_options(&o, 8, f->options, pd_file_opts);
	po_cat(&o, &pub);
	if (f->syntax != PBFILE_SYNTAX_NONE)
		po_str(&o, 12, pbfile_syntax_name(f->syntax));
	free(e.scope);
	int failed = o.failed ? o.failed : e.failed;
	char *out = NULL;
	if (!failed && !(out = malloc(o.len / 3 * 4 + 5)))
		failed = SG_ENOMEM;
	if (failed)
		error_set(err, failed,
		          failed == SG_ELIMIT ? "Protobuf descriptor too large" : "out of memory");
	else
		pe_base64(o.p, o.len, out);
	free(o.p);
	return out;
}
