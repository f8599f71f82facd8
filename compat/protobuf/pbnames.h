/* compat/protobuf/pbnames.h: the full names of the types a set of `.proto`
 * files declares, and the check Confluent makes at registration (its
 * validate(), which resolves every type a schema uses): every imported file
 * must be known and every type name must resolve.
 *
 * Resolution is Confluent's (its diff Context.resolve): the names of the
 * schema, of its references (transitively) and of the well-known files are
 * one flat set; a name with a leading '.' is looked up as it is; any other
 * is tried under the schema's package and the enclosing messages, innermost
 * first ("pkg.Outer.Inner.Name", "pkg.Outer.Name", "pkg.Name"), then alone.
 *
 * The well-known files, which need no reference: google/protobuf/{any, api,
 * descriptor, duration, empty, field_mask, source_context, struct,
 * timestamp, type, wrappers}.proto, google/type/{calendar_period, color,
 * date, datetime, dayofweek, decimal, expr, fraction, interval, latlng,
 * money, month, phone_number, postal_address, quaternion, timeofday}.proto,
 * confluent/meta.proto and confluent/type/decimal.proto. Their type names
 * are embedded (a list written from the files' contents); the files
 * themselves are not.
 *
 * Ownership: a set is created by pbnames_new(), freed by pbnames_free()
 * (NULL accepted), and owns copies of the names added. A set is filled, then
 * pbnames_freeze()d, then only read (from any number of threads).
 */
#ifndef SG_PBNAMES_H
#define SG_PBNAMES_H

#include <stddef.h>
#include "compat/error.h"
#include "compat/protobuf/pbfile.h"

struct pbnames;

enum pbnames_kind {
	PBNAMES_MESSAGE,
	PBNAMES_ENUM,
	PBNAMES_MAP_ENTRY, /* a message with `option map_entry = true;` (from a descriptor) */
	PBNAMES_EXTENSION, /* a field of an `extend` block: a custom option's name */
};

/* One name of a set: its kind, for a map entry the types of its `key` and
 * `value` fields as written (NULL when it has none), for an extension
 * whether it is `repeated`. Types and extensions are apart (Confluent keeps
 * two maps): a type and an extension may share a name. */
struct pbnames_type {
	const char *name; /* full, without a leading '.' */
	enum pbnames_kind kind;
	const char *map_key, *map_value;
	int repeated;
};

struct pbnames *pbnames_new(void);
void pbnames_free(struct pbnames *n);

/* Adds the full name of every message and enum `f` declares, nested ones
 * included ("pkg.Outer.Inner"), and of every extension field it declares
 * (package, enclosing messages, field name: "pkg.Outer.my_opt"). Returns 0,
 * or -1 with `err` (SG_ENOMEM). */
int pbnames_add_file(struct pbnames *n, const struct pbfile *f, struct sg_error *err);

/* Adds every name of `src` (frozen). Returns 0 or -1 (SG_ENOMEM). */
int pbnames_add_all(struct pbnames *n, const struct pbnames *src, struct sg_error *err);

/* Adds the type names of every well-known file, and the extensions of
 * confluent/meta.proto (confluent.file_meta ... enum_value_meta). Returns 0
 * or -1. */
int pbnames_add_well_known(struct pbnames *n, struct sg_error *err);

/* Sorts the set and drops repeats; call once, after the last add. */
void pbnames_freeze(struct pbnames *n);

/* 1 when `full` (without a leading '.') is in the frozen set. */
int pbnames_has(const struct pbnames *n, const char *full);

/* The type (message or enum) named `full` (without a leading '.') in the
 * frozen set, or NULL. pbnames_find_extension(): the extension field. */
const struct pbnames_type *pbnames_find(const struct pbnames *n, const char *full);
const struct pbnames_type *pbnames_find_extension(const struct pbnames *n, const char *full);

/* Resolves type name `name` as written in scope scope[0..scope_len) (the
 * package and the enclosing messages, dotted: "pkg.Outer.Inner") by the
 * rule above. Returns its entry (valid while `n` lives), or NULL when it
 * does not resolve (or, rarely, out of memory). */
const struct pbnames_type *pbnames_resolve(const struct pbnames *n, const char *scope,
                                           size_t scope_len, const char *name);

/* The same resolution among the extension fields (a custom option's name,
 * as Confluent's getExtendFieldForFullName resolver finds it). */
const struct pbnames_type *pbnames_resolve_extension(const struct pbnames *n, const char *scope,
                                                     size_t scope_len, const char *name);

/* 1 when `path` is one of the well-known files. */
int pbnames_well_known(const char *path);

/* Checks that every type `f` uses resolves in `n` (which holds f's own
 * names): field types (but scalars and map<>, whose value type Confluent
 * does not check either), the messages extend blocks name, rpc request and
 * response types. Returns 0, or -1 with SG_EINVALID_SCHEMA naming the first
 * type that does not resolve ("Could not resolve type: Foo"). */
int pbnames_check(const struct pbnames *n, const struct pbfile *f, struct sg_error *err);

#endif
