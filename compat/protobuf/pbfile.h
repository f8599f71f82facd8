/* compat/protobuf/pbfile.h: a `.proto` file (proto2 or proto3) parsed into the
 * model Square Wire's ProtoParser builds (its ProtoFileElement), which is what
 * Confluent's registry prints its canonical string from.
 *
 * The parser follows Wire 5.3.0 (the version Confluent 8.1 pins) rule for
 * rule, quirks included, so a file Confluent accepts parses here and one it
 * refuses is refused: labels are required in proto2 (and in a file without
 * `syntax`) but for `map<>` fields, optional in proto3; `required` is refused
 * in proto3; `edition` is refused; a oneof's fields take no label; comments
 * are read and dropped (a comment after a declaration must end its line);
 * `import weak` is kept apart; only top-level type and service names are
 * checked for duplicates. See compat/protobuf/README for the rules and where
 * this file departs from Wire.
 *
 * Bounded: the text is at most PBFILE_MAX_TEXT bytes, nesting (messages,
 * groups, option maps and lists) at most PBFILE_MAX_DEPTH deep, a map of
 * option values at most PBFILE_MAX_MAP_ENTRIES keys, and the whole model
 * lives in one arena of at most PBFILE_MAX_MEMORY bytes. Past a limit the
 * parse fails with SG_ELIMIT. No I/O, no global state; safe from any thread.
 *
 * Ownership: pbfile_parse() returns a file the caller frees with
 * pbfile_free() (NULL accepted); every pointer inside it (strings, lists)
 * belongs to the file and lives until then. The model is read-only for
 * callers.
 */
#ifndef SG_PBFILE_H
#define SG_PBFILE_H

#include <stddef.h>
#include <stdint.h>
#include "compat/error.h"

#define PBFILE_MAX_TEXT        (4u * 1024 * 1024)
#define PBFILE_MAX_DEPTH       64
#define PBFILE_MAX_MAP_ENTRIES 4096
#define PBFILE_MAX_MEMORY      (64u * 1024 * 1024)

/* The largest field number, printed "max" at the end of a range (Wire's and
 * Confluent's MAX_TAG_VALUE). */
#define PBFILE_MAX_TAG 536870911

enum pbfile_syntax {
	PBFILE_SYNTAX_NONE, /* no `syntax` statement: read as proto2, printed without one */
	PBFILE_SYNTAX_PROTO2,
	PBFILE_SYNTAX_PROTO3,
};

enum pbfile_label {
	PBFILE_LABEL_NONE, /* proto3 without a label, map<> fields, oneof members */
	PBFILE_LABEL_OPTIONAL,
	PBFILE_LABEL_REQUIRED,
	PBFILE_LABEL_REPEATED,
};

/* An option's kind (Wire's OptionElement.Kind). */
enum pbfile_kind {
	PBFILE_STRING,
	PBFILE_BOOLEAN,
	PBFILE_NUMBER, /* kept as written: "0x10", "-1.5e3", "-inf" */
	PBFILE_ENUM,   /* any other bare word, such as an enum constant or "inf" */
	PBFILE_MAP,    /* a text-format message: { key: value ... } */
	PBFILE_LIST,   /* [ value, ... ] */
	PBFILE_OPTION, /* a name path: (a).b = 1 is option a holding option b */
};

/* A value inside an option (Wire keeps these as Java objects). */
enum pbfile_vtype {
	PBFILE_V_TEXT,   /* a plain string: a STRING option's value, a quoted list item */
	PBFILE_V_PRIM,   /* a bare value in a map or list: `prim` says BOOLEAN, NUMBER or ENUM */
	PBFILE_V_MAP,    /* entries, in the order keys first appeared */
	PBFILE_V_LIST,   /* items */
	PBFILE_V_OPTION, /* a nested option (the value of an OPTION option) */
};

struct pbfile_option;
struct pbfile_entry;

struct pbfile_value {
	enum pbfile_vtype type;
	enum pbfile_kind prim;
	const char *text;
	struct pbfile_entry *entries;
	struct pbfile_value *items;
	struct pbfile_option *option;
	struct pbfile_value *next; /* the next item of the list holding this one */
	/* parser's bookkeeping: the last of `items` */
	struct pbfile_value *items_tail;
};

struct pbfile_entry {
	const char *key; /* "name", or "[full.extension.name]" */
	struct pbfile_value *value;
	struct pbfile_entry *next;
};

/* `option name = value;`, or one of a field's [name = value] options. For the
 * kinds STRING, BOOLEAN, NUMBER and ENUM the value is a PBFILE_V_TEXT; for
 * MAP, LIST and OPTION a value of that type. */
struct pbfile_option {
	const char *name; /* without the parentheses */
	int parenthesized;
	enum pbfile_kind kind;
	struct pbfile_value *value;
	struct pbfile_option *next;
};

/* One value of a `reserved` or `extensions` statement. */
enum pbfile_rkind { PBFILE_R_NAME, PBFILE_R_TAG, PBFILE_R_RANGE };
struct pbfile_range {
	enum pbfile_rkind kind;
	const char *name;   /* PBFILE_R_NAME */
	int32_t start, end; /* PBFILE_R_TAG: start; PBFILE_R_RANGE: both, end inclusive */
	struct pbfile_range *next;
};

/* A `reserved` statement, or an `extensions` one (which may have options). */
struct pbfile_reserved {
	struct pbfile_range *values;
	struct pbfile_option *options;
	struct pbfile_reserved *next;
};

struct pbfile_field {
	enum pbfile_label label;
	const char *type; /* as written; a map is "map<K, V>" */
	const char *name;
	int32_t tag;
	const char *default_value; /* the [default = ...] option, taken out of `options`; or NULL */
	const char *json_name;     /* the [json_name = ...] option, likewise */
	struct pbfile_option *options;
	struct pbfile_field *next;
};

struct pbfile_group {
	enum pbfile_label label;
	const char *name;
	int32_t tag;
	struct pbfile_field *fields;
	struct pbfile_group *next;
};

struct pbfile_oneof {
	const char *name;
	struct pbfile_field *fields;
	struct pbfile_group *groups;
	struct pbfile_option *options;
	struct pbfile_oneof *next;
};

struct pbfile_extend {
	const char *name; /* the extended message, as written */
	struct pbfile_field *fields;
	struct pbfile_extend *next;
};

struct pbfile_constant {
	const char *name;
	int32_t tag;
	struct pbfile_option *options;
	struct pbfile_constant *next;
};

/* A message or an enum. */
struct pbfile_type {
	int is_enum;
	const char *name;
	int line, column; /* where its declaration starts */
	struct pbfile_option *options;
	struct pbfile_reserved *reserveds;
	/* message */
	struct pbfile_field *fields;
	struct pbfile_oneof *oneofs;
	struct pbfile_group *groups;
	struct pbfile_reserved *extensions;
	struct pbfile_extend *extends;
	struct pbfile_type *nested; /* messages and enums, in declaration order */
	/* enum */
	struct pbfile_constant *constants;
	struct pbfile_type *next;
};

struct pbfile_rpc {
	const char *name;
	const char *request, *response;
	int request_streaming, response_streaming;
	struct pbfile_option *options;
	struct pbfile_rpc *next;
};

struct pbfile_service {
	const char *name;
	int line, column;
	struct pbfile_option *options;
	struct pbfile_rpc *rpcs;
	struct pbfile_service *next;
};

struct pbfile_name {
	const char *name;
	struct pbfile_name *next;
};

struct pbfile {
	enum pbfile_syntax syntax;
	const char *package; /* NULL when none */
	struct pbfile_name *imports, *public_imports, *weak_imports;
	struct pbfile_option *options;
	struct pbfile_type *types;
	struct pbfile_extend *extends;
	struct pbfile_service *services;
	struct pbfile_arena *arena; /* owns all of the above */
};

/* Parses `.proto` text (len bytes, need not be NUL-terminated). Returns the
 * file, or NULL with `err`: SG_EINVALID_SCHEMA with Wire's words and the line
 * and column ("Syntax error in :3:7: unexpected label: foo"), SG_ELIMIT past a
 * limit, SG_ENOMEM. Never crashes on any input. */
struct pbfile *pbfile_parse(const char *text, size_t len, struct sg_error *err);
void pbfile_free(struct pbfile *f);

/* Building a model elsewhere (compat/protobuf/pbdesc reads one from a
 * descriptor): pbfile_new() returns an empty file (no syntax, no package)
 * the caller fills and frees with pbfile_free(); pbfile_alloc() returns n
 * zeroed bytes that live as long as `f`, pbfile_strndup() a NUL-terminated
 * copy of s[0..n). Both return NULL with `err` (SG_ENOMEM, or SG_ELIMIT past
 * PBFILE_MAX_MEMORY). */
struct pbfile *pbfile_new(struct sg_error *err);
void *pbfile_alloc(struct pbfile *f, size_t n, struct sg_error *err);
const char *pbfile_strndup(struct pbfile *f, const char *s, size_t n, struct sg_error *err);

/* "proto2" / "proto3" (NULL for PBFILE_SYNTAX_NONE). */
const char *pbfile_syntax_name(enum pbfile_syntax s);

/* 1 when `type` is one of protobuf's scalar type names ("int32", "string"...). */
int pbfile_is_scalar(const char *type);

#endif
