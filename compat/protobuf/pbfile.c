/* compat/protobuf/pbfile.c: the `.proto` parser (see pbfile.h). Its reader
 * follows Wire's SyntaxReader, its grammar Wire's ProtoParser and
 * OptionReader, function for function, so where a file is ambiguous the
 * answer is Wire's.
 *
 * Errors: every failure goes through pb_fail(), which records the error and
 * longjmp()s back to pbfile_parse(), the single exit; the model lives in an
 * arena freed there at once, and the reader's one heap buffer (for quoted
 * strings) is freed there too, so nothing leaks on any path. */
#include "compat/protobuf/pbfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the arena ---- */

struct pbfile_chunk {
	struct pbfile_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct pbfile_arena {
	struct pbfile_chunk *chunks;
	size_t total; /* bytes held, for PBFILE_MAX_MEMORY */
};

#define PB_CHUNK (64u * 1024)

static void pb_arena_free(struct pbfile_arena *a)
{
	if (!a)
		return;
	struct pbfile_chunk *c = a->chunks;
	while (c) {
		struct pbfile_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}

/* ---- the reader ---- */

struct pb_reader {
	const char *data;
	size_t len, pos;
	int line;          /* newlines seen so far */
	size_t line_start; /* index just after the last newline */
	int depth;
	struct pbfile_arena *arena;
	char *buf; /* quoted strings are decoded here, then copied to the arena */
	size_t buf_len, buf_cap;
	struct sg_error *err;
	jmp_buf fail;
	/* ProtoParser's state */
	struct pbfile *file;
	int declaration_count;
};

/* Wire's Location "line:column" of a reader position: the column counts
 * characters (UTF-8 sequences), from 1. */
static int pb_column(const struct pb_reader *r, size_t line_start, size_t pos)
{
	int col = 1;
	for (size_t i = line_start; i < pos && i < r->len; i++)
		if (((unsigned char)r->data[i] & 0xc0) != 0x80)
			col++;
	return col;
}

struct pb_loc {
	int line, column;
};

static struct pb_loc pb_location(const struct pb_reader *r)
{
	return (struct pb_loc){r->line + 1, pb_column(r, r->line_start, r->pos)};
}

__attribute__((noreturn, format(printf, 3, 4))) static void
pb_fail_at(struct pb_reader *r, struct pb_loc at, const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	error_set(r->err, SG_EINVALID_SCHEMA, "Syntax error in :%d:%d: %s", at.line, at.column,
	          msg);
	longjmp(r->fail, 1);
}

#define pb_fail(r, ...) pb_fail_at((r), pb_location(r), __VA_ARGS__)

__attribute__((noreturn)) static void pb_fail_code(struct pb_reader *r, int code, const char *msg)
{
	error_set(r->err, code, "%s", msg);
	longjmp(r->fail, 1);
}

/* Zeroed memory from arena `a`, or NULL with *code set (SG_ELIMIT past
 * PBFILE_MAX_MEMORY, SG_ENOMEM). */
static void *pb_arena_alloc(struct pbfile_arena *a, size_t n, int *code)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct pbfile_chunk *c = a->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > PB_CHUNK ? n : PB_CHUNK;
		if (n > PBFILE_MAX_MEMORY || a->total + cap > PBFILE_MAX_MEMORY) {
			*code = SG_ELIMIT;
			return NULL;
		}
		c = malloc(sizeof *c + cap);
		if (!c) {
			*code = SG_ENOMEM;
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		c->next = a->chunks;
		a->chunks = c;
		a->total += cap;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

static void *pb_alloc(struct pb_reader *r, size_t n)
{
	int code = 0;
	void *p = pb_arena_alloc(r->arena, n, &code);
	if (!p && code == SG_ELIMIT)
		pb_fail_code(r, SG_ELIMIT,
		             "Protobuf schema too large: its model exceeds the memory limit");
	if (!p)
		pb_fail_code(r, SG_ENOMEM, "out of memory");
	return p;
}

#define PB_NEW(r, type) ((type *)pb_alloc((r), sizeof(type)))

static const char *pb_strndup(struct pb_reader *r, const char *s, size_t n)
{
	char *p = pb_alloc(r, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* "a" + "b" + "c" in the arena. */
static const char *pb_concat3(struct pb_reader *r, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *p = pb_alloc(r, la + lb + lc + 1);
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	memcpy(p + la + lb, c, lc);
	p[la + lb + lc] = '\0';
	return p;
}

static void pb_enter(struct pb_reader *r)
{
	if (++r->depth > PBFILE_MAX_DEPTH)
		pb_fail_code(r, SG_ELIMIT, "Protobuf schema nested too deeply");
}

static void pb_leave(struct pb_reader *r)
{
	r->depth--;
}

static void pb_newline(struct pb_reader *r)
{
	r->line++;
	r->line_start = r->pos;
}

static int pb_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void pb_read_comment(struct pb_reader *r);

/* Skips whitespace and, when asked, comments. */
static void pb_skip_ws(struct pb_reader *r, int comments)
{
	while (r->pos < r->len) {
		char c = r->data[r->pos];
		if (pb_is_space(c)) {
			r->pos++;
			if (c == '\n')
				pb_newline(r);
		} else if (comments && c == '/') {
			pb_read_comment(r);
		} else {
			return;
		}
	}
}

/* Reads a comment at r->pos (which holds '/'), dropping its text. */
static void pb_read_comment(struct pb_reader *r)
{
	r->pos++;
	int kind = r->pos < r->len ? (unsigned char)r->data[r->pos++] : -1;
	if (kind == '*') {
		while (r->pos + 1 < r->len) {
			char c = r->data[r->pos];
			if (c == '*' && r->data[r->pos + 1] == '/') {
				r->pos += 2;
				return;
			}
			r->pos++;
			if (c == '\n')
				pb_newline(r);
		}
		pb_fail(r, "unterminated comment");
	} else if (kind == '/') {
		while (r->pos < r->len) {
			if (r->data[r->pos++] == '\n') {
				pb_newline(r);
				break;
			}
		}
	} else {
		pb_fail(r, "unexpected '/'");
	}
}

/* Wire's readDocumentation(): whitespace and comments before a declaration. */
static void pb_read_documentation(struct pb_reader *r)
{
	for (;;) {
		pb_skip_ws(r, 0);
		if (r->pos == r->len || r->data[r->pos] != '/')
			return;
		pb_read_comment(r);
	}
}

/* Wire's tryAppendTrailingDocumentation(): a comment on the rest of the line
 * after a declaration, which nothing may follow. */
static void pb_trailing_documentation(struct pb_reader *r)
{
	while (r->pos < r->len) {
		char c = r->data[r->pos];
		if (c == ' ' || c == '\t') {
			r->pos++;
		} else if (c == '/') {
			r->pos++;
			break;
		} else {
			return;
		}
	}
	if (!(r->pos < r->len && (r->data[r->pos] == '/' || r->data[r->pos] == '*'))) {
		r->pos--; /* Wire's quirk: a declaration that ends the file lands here too */
		pb_fail(r, "expected '//' or '/*'");
	}
	int star = r->data[r->pos] == '*';
	r->pos++;
	if (star) {
		for (;;) {
			if (r->pos >= r->len)
				pb_fail(r, "trailing comment must be closed");
			if (r->data[r->pos] == '*' && r->pos + 1 < r->len &&
			    r->data[r->pos + 1] == '/') {
				r->pos += 2;
				break;
			}
			r->pos++;
		}
		while (r->pos < r->len) {
			char c = r->data[r->pos++];
			if (c == '\n') {
				pb_newline(r);
				break;
			}
			if (c != ' ' && c != '\t')
				pb_fail(r, "no syntax may follow trailing comment");
		}
	} else {
		while (r->pos < r->len) {
			if (r->data[r->pos++] == '\n') {
				pb_newline(r);
				break;
			}
		}
	}
}

/* Wire's peekChar(): the next character after whitespace and comments. */
static char pb_peek(struct pb_reader *r)
{
	pb_skip_ws(r, 1);
	if (r->pos >= r->len)
		pb_fail(r, "unexpected end of file");
	return r->data[r->pos];
}

static char pb_read_char(struct pb_reader *r)
{
	char c = pb_peek(r);
	r->pos++;
	return c;
}

/* Wire's peekChar(c): consumes `c` when it comes next. */
static int pb_peek_is(struct pb_reader *r, char c)
{
	if (pb_peek(r) == c) {
		r->pos++;
		return 1;
	}
	return 0;
}

static void pb_require(struct pb_reader *r, char c)
{
	char got = pb_read_char(r);
	if (got != c)
		pb_fail(r, "expected '%c' but was '%c'", c, got);
}

static int pb_is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* Wire's readWord(): letters, digits, '_', '-' and '.'. */
static const char *pb_read_word_opt(struct pb_reader *r, int allow_leading_digit)
{
	pb_skip_ws(r, 1);
	size_t start = r->pos;
	while (r->pos < r->len && pb_is_word_char(r->data[r->pos]))
		r->pos++;
	if (start == r->pos)
		pb_fail(r, "expected a word");
	if (!allow_leading_digit && r->data[start] >= '0' && r->data[start] <= '9')
		pb_fail_at(r, (struct pb_loc){r->line + 1, pb_column(r, r->line_start, start)},
		           "field and constant names cannot start with a digit");
	return pb_strndup(r, r->data + start, r->pos - start);
}

static const char *pb_read_word(struct pb_reader *r)
{
	return pb_read_word_opt(r, 1);
}

static void pb_buf_add(struct pb_reader *r, const char *s, size_t n)
{
	if (r->buf_len + n + 1 > r->buf_cap) {
		size_t cap = r->buf_cap ? r->buf_cap : 256;
		while (cap < r->buf_len + n + 1)
			cap *= 2;
		char *p = realloc(r->buf, cap);
		if (!p)
			pb_fail_code(r, SG_ENOMEM, "out of memory");
		r->buf = p;
		r->buf_cap = cap;
	}
	memcpy(r->buf + r->buf_len, s, n);
	r->buf_len += n;
}

static int pb_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int pb_numeric_escape(struct pb_reader *r, int radix, size_t n)
{
	int value = -1;
	size_t end = r->pos + n < r->len ? r->pos + n : r->len;
	while (r->pos < end) {
		int d = pb_hex_digit(r->data[r->pos]);
		if (d < 0 || d >= radix)
			break;
		value = value < 0 ? d : value * radix + d;
		r->pos++;
	}
	if (value < 0)
		pb_fail(r, "expected a digit after \\x or \\X");
	return value;
}

/* Wire's readQuotedString(): C escapes, \xHH and octal escapes (a Java char,
 * written here as UTF-8), adjacent strings joined. A string holding a NUL
 * character is refused: the model's strings are C strings. */
static const char *pb_read_quoted(struct pb_reader *r)
{
	char quote = pb_read_char(r);
	if (quote != '"' && quote != '\'')
		pb_fail(r, "expected a string");
	r->buf_len = 0;
	while (r->pos < r->len) {
		char c = r->data[r->pos++];
		if (c == quote) {
			char next = pb_peek(r);
			if (next == '"' || next == '\'') {
				quote = pb_read_char(r);
				continue;
			}
			pb_buf_add(r, "", 1);
			return pb_strndup(r, r->buf, r->buf_len - 1);
		}
		int code = (unsigned char)c;
		if (c == '\\') {
			if (r->pos >= r->len)
				pb_fail(r, "unexpected end of file");
			c = r->data[r->pos++];
			code = (unsigned char)c;
			switch (c) {
			case 'a':
				code = 7;
				break;
			case 'b':
				code = 8;
				break;
			case 'f':
				code = 12;
				break;
			case 'n':
				code = '\n';
				break;
			case 'r':
				code = '\r';
				break;
			case 't':
				code = '\t';
				break;
			case 'v':
				code = 11;
				break;
			case 'x':
			case 'X':
				code = pb_numeric_escape(r, 16, 2);
				break;
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
				r->pos--;
				code = pb_numeric_escape(r, 8, 3);
				break;
			default:
				break;
			}
			if (code == 0)
				pb_fail(r, "a NUL character in a string is not supported");
			if (code >= 0x80) {
				char u[2] = {(char)(0xc0 | (code >> 6)),
				             (char)(0x80 | (code & 0x3f))};
				pb_buf_add(r, u, 2);
				continue;
			}
		}
		char ch = (char)code;
		pb_buf_add(r, &ch, 1);
		if (ch == '\n') /* as Wire counts lines, an escaped newline too */
			pb_newline(r);
	}
	pb_fail(r, "unterminated string");
}

/* Wire's readString(): quoted, or a bare word. */
static const char *pb_read_string(struct pb_reader *r)
{
	char c = pb_peek(r);
	return c == '"' || c == '\'' ? pb_read_quoted(r) : pb_read_word(r);
}

/* Wire's readName(): a word, or one wrapped in ( ) or [ ], kept with its
 * wrapping when `retain`. */
static const char *pb_read_name(struct pb_reader *r, int allow_leading_digit, int retain)
{
	char c = pb_peek(r);
	if (c == '(' || c == '[') {
		char close = c == '(' ? ')' : ']';
		r->pos++;
		const char *w = pb_read_word_opt(r, allow_leading_digit);
		if (pb_read_char(r) != close)
			pb_fail(r, "expected '%c'", close);
		if (!retain)
			return w;
		char open[2] = {c, 0}, end[2] = {close, 0};
		return pb_concat3(r, open, w, end);
	}
	return pb_read_word_opt(r, allow_leading_digit);
}

static const char *pb_read_data_type_named(struct pb_reader *r, const char *name);

static const char *pb_read_data_type(struct pb_reader *r)
{
	return pb_read_data_type_named(r, pb_read_word(r));
}

/* Wire's readDataType(name): a map is normalised to "map<K, V>". */
static const char *pb_read_data_type_named(struct pb_reader *r, const char *name)
{
	if (strcmp(name, "map") != 0)
		return name;
	pb_enter(r);
	if (pb_read_char(r) != '<')
		pb_fail(r, "expected '<'");
	const char *key = pb_read_data_type(r);
	if (pb_read_char(r) != ',')
		pb_fail(r, "expected ','");
	const char *value = pb_read_data_type(r);
	if (pb_read_char(r) != '>')
		pb_fail(r, "expected '>'");
	pb_leave(r);
	const char *kv = pb_concat3(r, key, ", ", value);
	return pb_concat3(r, "map<", kv, ">");
}

/* Kotlin's String.toInt(radix): an optional '-' (or '+'), then digits, in
 * the range of an Int. Returns 0 or -1. */
static int pb_to_int(const char *s, int radix, int32_t *out)
{
	int neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		return -1;
	int64_t v = 0;
	for (; *s; s++) {
		int d = pb_hex_digit(*s);
		if (d < 0 || d >= radix)
			return -1;
		v = v * radix + d;
		if (v > (int64_t)INT32_MAX + 1)
			return -1;
	}
	if (neg)
		v = -v;
	if (v > INT32_MAX || v < INT32_MIN)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* Wire's readInt(): decimal, or hexadecimal after 0x. */
static int32_t pb_read_int(struct pb_reader *r)
{
	const char *tag = pb_read_word(r);
	int radix = 10;
	if (tag[0] == '0' && (tag[1] == 'x' || tag[1] == 'X')) {
		tag += 2;
		radix = 16;
	}
	int32_t v;
	if (pb_to_int(tag, radix, &v) != 0)
		pb_fail(r, "expected an integer but was %s", tag);
	return v;
}

/* ---- options (Wire's OptionReader) ---- */

static struct pbfile_option *pb_read_option(struct pb_reader *r, char separator);

static struct pbfile_value *pb_value(struct pb_reader *r, enum pbfile_vtype type)
{
	struct pbfile_value *v = PB_NEW(r, struct pbfile_value);
	v->type = type;
	return v;
}

static struct pbfile_value *pb_text(struct pb_reader *r, const char *text)
{
	struct pbfile_value *v = pb_value(r, PBFILE_V_TEXT);
	v->text = text;
	return v;
}

static void pb_list_add(struct pbfile_value *list, struct pbfile_value *item)
{
	item->next = NULL;
	if (list->items_tail)
		list->items_tail->next = item;
	else
		list->items = item;
	list->items_tail = item;
}

/* Kotlin's addToList(): a list's items are added one by one. */
static void pb_list_add_all(struct pbfile_value *list, struct pbfile_value *value)
{
	if (value->type != PBFILE_V_LIST) {
		pb_list_add(list, value);
		return;
	}
	struct pbfile_value *it = value->items;
	while (it) {
		struct pbfile_value *next = it->next;
		pb_list_add(list, it);
		it = next;
	}
}

static struct pbfile_value *pb_read_map(struct pb_reader *r);
static struct pbfile_value *pb_read_list(struct pb_reader *r);

/* Wire's readKindAndValue(). */
static struct pbfile_value *pb_read_kind_value(struct pb_reader *r, enum pbfile_kind *kind)
{
	char c = pb_peek(r);
	if (c == '{') {
		*kind = PBFILE_MAP;
		return pb_read_map(r);
	}
	if (c == '[') {
		*kind = PBFILE_LIST;
		return pb_read_list(r);
	}
	if (c == '"' || c == '\'') {
		*kind = PBFILE_STRING;
		return pb_text(r, pb_read_string(r));
	}
	if ((c >= '0' && c <= '9') || c == '-') {
		*kind = PBFILE_NUMBER;
		return pb_text(r, pb_read_word(r));
	}
	const char *w = pb_read_word(r);
	*kind = strcmp(w, "true") == 0 || strcmp(w, "false") == 0 ? PBFILE_BOOLEAN : PBFILE_ENUM;
	return pb_text(r, w);
}

/* A value as a map or list holds it: bare values become primitives. */
static struct pbfile_value *pb_held(struct pb_reader *r, enum pbfile_kind kind,
                                    struct pbfile_value *v)
{
	if (kind == PBFILE_BOOLEAN || kind == PBFILE_NUMBER || kind == PBFILE_ENUM) {
		v->type = PBFILE_V_PRIM;
		v->prim = kind;
	}
	return v;
}

static struct pbfile_entry *pb_map_find(struct pbfile_value *map, const char *key)
{
	for (struct pbfile_entry *e = map->entries; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Sets map[key] = value: in place when the key is there (a LinkedHashMap
 * keeps the first position), else at the end. */
static void pb_map_put(struct pb_reader *r, struct pbfile_value *map, const char *key,
                       struct pbfile_value *value)
{
	struct pbfile_entry *e = pb_map_find(map, key), **tail = &map->entries;
	if (e) {
		e->value = value;
		return;
	}
	size_t n = 0;
	while (*tail) {
		tail = &(*tail)->next;
		n++;
	}
	if (n >= PBFILE_MAX_MAP_ENTRIES)
		pb_fail_code(r, SG_ELIMIT, "Protobuf schema: an option value has too many keys");
	e = PB_NEW(r, struct pbfile_entry);
	e->key = key;
	e->value = value;
	*tail = e;
}

/* Wire's readMap('{', '}', ':'): keys in first-seen order; a key given
 * again collects its values into a list; "a.b: v" fills a nested map. */
static struct pbfile_value *pb_read_map(struct pb_reader *r)
{
	pb_enter(r);
	pb_read_char(r); /* '{' */
	struct pbfile_value *map = pb_value(r, PBFILE_V_MAP);
	for (;;) {
		if (pb_peek_is(r, '}'))
			break;
		struct pbfile_option *o = pb_read_option(r, ':');
		struct pbfile_value *value = o->value;
		if (o->kind == PBFILE_BOOLEAN || o->kind == PBFILE_NUMBER || o->kind == PBFILE_ENUM)
			value = pb_held(r, o->kind, value);
		if (value->type == PBFILE_V_OPTION) {
			struct pbfile_entry *e = pb_map_find(map, o->name);
			struct pbfile_value *nested =
			    e && e->value->type == PBFILE_V_MAP ? e->value : NULL;
			if (!nested) {
				nested = pb_value(r, PBFILE_V_MAP);
				pb_map_put(r, map, o->name, nested);
			}
			/* Wire stores the nested option's raw value: a bare word
			 * stays a plain string there. */
			pb_map_put(r, nested, value->option->name, value->option->value);
		} else {
			struct pbfile_entry *e = pb_map_find(map, o->name);
			if (!e) {
				pb_map_put(r, map, o->name, value);
			} else if (e->value->type == PBFILE_V_LIST) {
				pb_list_add_all(e->value, value);
			} else {
				struct pbfile_value *list = pb_value(r, PBFILE_V_LIST);
				pb_list_add(list, e->value);
				pb_list_add_all(list, value);
				e->value = list;
			}
		}
		if (!pb_peek_is(r, ','))
			pb_peek_is(r, ';');
	}
	pb_leave(r);
	return map;
}

/* Wire's readList(). */
static struct pbfile_value *pb_read_list(struct pb_reader *r)
{
	pb_enter(r);
	pb_require(r, '[');
	struct pbfile_value *list = pb_value(r, PBFILE_V_LIST);
	for (;;) {
		if (pb_peek_is(r, ']'))
			break;
		enum pbfile_kind kind;
		struct pbfile_value *v = pb_read_kind_value(r, &kind);
		pb_list_add(list, pb_held(r, kind, v));
		if (pb_peek_is(r, ','))
			continue;
		if (pb_peek(r) != ']')
			pb_fail(r, "expected ',' or ']'");
	}
	pb_leave(r);
	return list;
}

/* Appends `s` to names[*n], whole or (unless `whole`) split at every '.'
 * (Kotlin's split keeps empty parts). */
static void pb_split_dots(struct pb_reader *r, const char *s, int whole, const char ***names,
                          size_t *n, size_t *cap)
{
	for (;;) {
		const char *dot = whole ? NULL : strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 8;
			const char **more = pb_alloc(r, ncap * sizeof *more);
			if (*n)
				memcpy(more, *names, *n * sizeof *more);
			*names = more;
			*cap = ncap;
		}
		(*names)[(*n)++] = pb_strndup(r, s, len);
		if (!dot)
			return;
		s = dot + 1;
	}
}

/* Wire's readOption(separator): a name, its sub-names after dots, the
 * separator, and a value; "(a).b.c = 1" is option a holding option b holding
 * option c = 1. */
static struct pbfile_option *pb_read_option(struct pb_reader *r, char separator)
{
	pb_enter(r);
	char first = pb_peek(r);
	int extension = first == '[';
	int parenthesized = first == '(';
	const char *name = pb_read_name(r, 1, 0);
	if (extension)
		name = pb_concat3(r, "[", name, "]");
	const char **subs = NULL;
	size_t nsubs = 0, cap = 0;
	char c;
	for (;;) {
		c = pb_read_char(r);
		if (c != '.')
			break;
		const char *sub = pb_read_name(r, 1, 1);
		pb_split_dots(r, sub, sub[0] == '(', &subs, &nsubs, &cap);
		if (nsubs > PBFILE_MAX_DEPTH)
			pb_fail_code(r, SG_ELIMIT, "Protobuf schema: an option name is too long");
	}
	if (separator == ':' && c == '{')
		r->pos--; /* text format: a message value may omit the ':' */
	else if (c != separator)
		pb_fail(r, "expected '%c' in option", separator);
	enum pbfile_kind kind;
	struct pbfile_value *value = pb_read_kind_value(r, &kind);
	for (size_t i = nsubs; i-- > 0;) {
		struct pbfile_option *inner = PB_NEW(r, struct pbfile_option);
		const char *sub = subs[i];
		if (sub[0] == '(') {
			inner->parenthesized = 1;
			sub = pb_strndup(r, sub + 1, strlen(sub) - 2);
		}
		inner->name = sub;
		inner->kind = kind;
		inner->value = value;
		value = pb_value(r, PBFILE_V_OPTION);
		value->option = inner;
		kind = PBFILE_OPTION;
	}
	struct pbfile_option *o = PB_NEW(r, struct pbfile_option);
	o->name = name;
	o->parenthesized = parenthesized;
	o->kind = kind;
	o->value = value;
	pb_leave(r);
	return o;
}

/* Wire's readOptions(): [a = 1, b = 2], or nothing. */
static struct pbfile_option *pb_read_options(struct pb_reader *r)
{
	struct pbfile_option *head = NULL, **tail = &head;
	if (!pb_peek_is(r, '['))
		return NULL;
	for (;;) {
		*tail = pb_read_option(r, '=');
		tail = &(*tail)->next;
		if (pb_peek_is(r, ']'))
			break;
		if (!pb_peek_is(r, ','))
			pb_fail(r, "Expected ',' or ']");
	}
	return head;
}

/* ---- declarations (Wire's ProtoParser) ---- */

enum pb_context { PB_FILE, PB_MESSAGE, PB_ENUM, PB_RPC, PB_EXTEND, PB_SERVICE };

/* What readDeclaration() returned. */
enum pb_decl {
	PB_D_NONE,
	PB_D_TYPE,
	PB_D_SERVICE,
	PB_D_OPTION,
	PB_D_EXTEND,
	PB_D_RESERVED,
	PB_D_FIELD,
	PB_D_GROUP,
	PB_D_ONEOF,
	PB_D_EXTENSIONS,
	PB_D_RPC,
	PB_D_CONSTANT,
};

struct pb_declared {
	enum pb_decl kind;
	void *item;
};

static struct pb_declared pb_read_declaration(struct pb_reader *r, enum pb_context ctx);

/* Wire's stripValue(): takes every option called `name` out of the list and
 * returns the last one's value as text (NULL when none). */
static const char *pb_strip(struct pb_reader *r, struct pbfile_option **list, const char *name)
{
	const char *result = NULL;
	while (*list) {
		struct pbfile_option *o = *list;
		if (strcmp(o->name, name) == 0) {
			if (o->value->type != PBFILE_V_TEXT)
				pb_fail(r, "a '%s' option must have a single value", name);
			result = o->value->text;
			*list = o->next;
		} else {
			list = &o->next;
		}
	}
	return result;
}

static struct pbfile_field *pb_read_field_rest(struct pb_reader *r, enum pbfile_label label,
                                               const char *type)
{
	struct pbfile_field *f = PB_NEW(r, struct pbfile_field);
	f->label = label;
	f->type = type;
	f->name = pb_read_name(r, 0, 0);
	pb_require(r, '=');
	f->tag = pb_read_int(r);
	f->options = pb_read_options(r);
	f->default_value = pb_strip(r, &f->options, "default");
	f->json_name = pb_strip(r, &f->options, "json_name");
	pb_require(r, ';');
	pb_trailing_documentation(r);
	return f;
}

static struct pbfile_group *pb_read_group(struct pb_reader *r, enum pbfile_label label);

/* Wire's readField(documentation, location, word): a label (or none), a
 * type, then a field or a group. */
static struct pb_declared pb_read_field(struct pb_reader *r, struct pb_loc at, const char *word)
{
	enum pbfile_label label;
	const char *type;
	if (strcmp(word, "required") == 0) {
		if (r->file->syntax == PBFILE_SYNTAX_PROTO3)
			pb_fail_at(r, at,
			           "'required' label forbidden in proto3 field declarations");
		label = PBFILE_LABEL_REQUIRED;
		type = pb_read_data_type(r);
	} else if (strcmp(word, "optional") == 0) {
		label = PBFILE_LABEL_OPTIONAL;
		type = pb_read_data_type(r);
	} else if (strcmp(word, "repeated") == 0) {
		label = PBFILE_LABEL_REPEATED;
		type = pb_read_data_type(r);
	} else {
		if (!(r->file->syntax == PBFILE_SYNTAX_PROTO3 ||
		      (strcmp(word, "map") == 0 && pb_peek(r) == '<')))
			pb_fail_at(r, at, "unexpected label: %s", word);
		label = PBFILE_LABEL_NONE;
		type = pb_read_data_type_named(r, word);
	}
	if (strncmp(type, "map<", 4) == 0 && label != PBFILE_LABEL_NONE)
		pb_fail_at(r, at, "'map' type cannot have label");
	if (strcmp(type, "group") == 0)
		return (struct pb_declared){PB_D_GROUP, pb_read_group(r, label)};
	return (struct pb_declared){PB_D_FIELD, pb_read_field_rest(r, label, type)};
}

static struct pbfile_group *pb_read_group(struct pb_reader *r, enum pbfile_label label)
{
	pb_enter(r);
	struct pbfile_group *g = PB_NEW(r, struct pbfile_group);
	struct pbfile_field **tail = &g->fields;
	g->label = label;
	g->name = pb_read_word(r);
	pb_require(r, '=');
	g->tag = pb_read_int(r);
	pb_require(r, '{');
	for (;;) {
		pb_read_documentation(r);
		if (pb_peek_is(r, '}'))
			break;
		struct pb_loc at = pb_location(r);
		const char *word = pb_read_word(r);
		struct pb_declared d = pb_read_field(r, at, word);
		if (d.kind != PB_D_FIELD)
			pb_fail(r, "expected field declaration, was a group");
		*tail = d.item;
		tail = &(*tail)->next;
	}
	pb_leave(r);
	return g;
}

static struct pbfile_oneof *pb_read_oneof(struct pb_reader *r)
{
	struct pbfile_oneof *o = PB_NEW(r, struct pbfile_oneof);
	struct pbfile_field **ftail = &o->fields;
	struct pbfile_group **gtail = &o->groups;
	struct pbfile_option **otail = &o->options;
	o->name = pb_read_name(r, 1, 0);
	pb_require(r, '{');
	for (;;) {
		pb_read_documentation(r);
		if (pb_peek_is(r, '}'))
			break;
		const char *type = pb_read_data_type(r);
		if (strcmp(type, "group") == 0) {
			*gtail = pb_read_group(r, PBFILE_LABEL_NONE);
			gtail = &(*gtail)->next;
		} else if (strcmp(type, "option") == 0) {
			*otail = pb_read_option(r, '=');
			otail = &(*otail)->next;
			pb_require(r, ';');
		} else {
			*ftail = pb_read_field_rest(r, PBFILE_LABEL_NONE, type);
			ftail = &(*ftail)->next;
		}
	}
	return o;
}

/* The end of a range: "max" or a decimal number. */
static int32_t pb_read_range_end(struct pb_reader *r)
{
	const char *s = pb_read_word(r);
	int32_t v;
	if (strcmp(s, "max") == 0)
		return PBFILE_MAX_TAG;
	if (pb_to_int(s, 10, &v) != 0)
		pb_fail(r, "expected an integer but was %s", s);
	return v;
}

static struct pbfile_reserved *pb_read_reserved(struct pb_reader *r, struct pb_loc at)
{
	struct pbfile_reserved *res = PB_NEW(r, struct pbfile_reserved);
	struct pbfile_range **tail = &res->values;
	for (;;) {
		struct pbfile_range *v = PB_NEW(r, struct pbfile_range);
		char c = pb_peek(r);
		if (c == '"' || c == '\'') {
			v->kind = PBFILE_R_NAME;
			v->name = pb_read_quoted(r);
		} else {
			v->start = pb_read_int(r);
			c = pb_peek(r);
			if (c == ',' || c == ';') {
				v->kind = PBFILE_R_TAG;
			} else {
				if (strcmp(pb_read_word(r), "to") != 0)
					pb_fail_at(r, at, "expected ',', ';', or 'to'");
				v->kind = PBFILE_R_RANGE;
				v->end = pb_read_range_end(r);
			}
		}
		*tail = v;
		tail = &v->next;
		c = pb_read_char(r);
		if (c == ';')
			break;
		if (c != ',')
			pb_fail(r, "expected ',' or ';'");
	}
	pb_trailing_documentation(r);
	return res;
}

static struct pbfile_reserved *pb_read_extensions(struct pb_reader *r, struct pb_loc at)
{
	struct pbfile_reserved *ext = PB_NEW(r, struct pbfile_reserved);
	struct pbfile_range **tail = &ext->values;
	for (;;) {
		struct pbfile_range *v = PB_NEW(r, struct pbfile_range);
		v->start = pb_read_int(r);
		char c = pb_peek(r);
		if (c == ',' || c == ';' || c == '[') {
			v->kind = PBFILE_R_TAG;
		} else {
			if (strcmp(pb_read_word(r), "to") != 0)
				pb_fail_at(r, at, "expected ',', ';', '[' or 'to'");
			v->kind = PBFILE_R_RANGE;
			v->end = pb_read_range_end(r);
		}
		*tail = v;
		tail = &v->next;
		if (pb_peek(r) == '[') {
			ext->options = pb_read_options(r);
			pb_require(r, ';');
			break;
		}
		c = pb_read_char(r);
		if (c == ';')
			break;
		if (c != ',')
			pb_fail(r, "expected ',' or ';'");
	}
	return ext;
}

static struct pbfile_constant *pb_read_constant(struct pb_reader *r, const char *name)
{
	struct pbfile_constant *k = PB_NEW(r, struct pbfile_constant);
	k->name = name;
	pb_require(r, '=');
	k->tag = pb_read_int(r);
	k->options = pb_read_options(r);
	pb_require(r, ';');
	pb_trailing_documentation(r);
	return k;
}

static struct pbfile_type *pb_read_message(struct pb_reader *r, struct pb_loc at)
{
	pb_enter(r);
	struct pbfile_type *m = PB_NEW(r, struct pbfile_type);
	struct pbfile_field **ftail = &m->fields;
	struct pbfile_oneof **otail = &m->oneofs;
	struct pbfile_group **gtail = &m->groups;
	struct pbfile_type **ntail = &m->nested;
	struct pbfile_reserved **xtail = &m->extensions, **rtail = &m->reserveds;
	struct pbfile_option **optail = &m->options;
	struct pbfile_extend **etail = &m->extends;
	m->line = at.line;
	m->column = at.column;
	m->name = pb_read_name(r, 1, 0);
	pb_require(r, '{');
	for (;;) {
		pb_read_documentation(r);
		if (pb_peek_is(r, '}'))
			break;
		struct pb_declared d = pb_read_declaration(r, PB_MESSAGE);
		switch (d.kind) {
		case PB_D_FIELD:
			*ftail = d.item;
			ftail = &(*ftail)->next;
			break;
		case PB_D_ONEOF:
			*otail = d.item;
			otail = &(*otail)->next;
			break;
		case PB_D_GROUP:
			*gtail = d.item;
			gtail = &(*gtail)->next;
			break;
		case PB_D_TYPE:
			*ntail = d.item;
			ntail = &(*ntail)->next;
			break;
		case PB_D_EXTENSIONS:
			*xtail = d.item;
			xtail = &(*xtail)->next;
			break;
		case PB_D_OPTION:
			*optail = d.item;
			optail = &(*optail)->next;
			break;
		case PB_D_EXTEND:
			*etail = d.item;
			etail = &(*etail)->next;
			break;
		case PB_D_RESERVED:
			*rtail = d.item;
			rtail = &(*rtail)->next;
			break;
		default:
			break;
		}
	}
	pb_leave(r);
	return m;
}

static struct pbfile_extend *pb_read_extend(struct pb_reader *r)
{
	pb_enter(r);
	struct pbfile_extend *e = PB_NEW(r, struct pbfile_extend);
	struct pbfile_field **tail = &e->fields;
	e->name = pb_read_name(r, 1, 0);
	pb_require(r, '{');
	for (;;) {
		pb_read_documentation(r);
		if (pb_peek_is(r, '}'))
			break;
		struct pb_declared d = pb_read_declaration(r, PB_EXTEND);
		if (d.kind == PB_D_FIELD) { /* Wire drops anything else */
			*tail = d.item;
			tail = &(*tail)->next;
		}
	}
	pb_leave(r);
	return e;
}

static struct pbfile_rpc *pb_read_rpc(struct pb_reader *r, struct pb_loc at)
{
	struct pbfile_rpc *rpc = PB_NEW(r, struct pbfile_rpc);
	struct pbfile_option **tail = &rpc->options;
	rpc->name = pb_read_name(r, 1, 0);
	pb_require(r, '(');
	const char *w = pb_read_word(r);
	if (strcmp(w, "stream") == 0) {
		rpc->request_streaming = 1;
		rpc->request = pb_read_data_type(r);
	} else {
		rpc->request = pb_read_data_type_named(r, w);
	}
	pb_require(r, ')');
	if (strcmp(pb_read_word(r), "returns") != 0)
		pb_fail_at(r, at, "expected 'returns'");
	pb_require(r, '(');
	w = pb_read_word(r);
	if (strcmp(w, "stream") == 0) {
		rpc->response_streaming = 1;
		rpc->response = pb_read_data_type(r);
	} else {
		rpc->response = pb_read_data_type_named(r, w);
	}
	pb_require(r, ')');
	if (pb_peek_is(r, '{')) {
		for (;;) {
			pb_read_documentation(r);
			if (pb_peek_is(r, '}'))
				break;
			struct pb_declared d = pb_read_declaration(r, PB_RPC);
			if (d.kind == PB_D_OPTION) {
				*tail = d.item;
				tail = &(*tail)->next;
			}
		}
	} else {
		pb_require(r, ';');
	}
	return rpc;
}

static struct pbfile_service *pb_read_service(struct pb_reader *r, struct pb_loc at)
{
	struct pbfile_service *s = PB_NEW(r, struct pbfile_service);
	struct pbfile_rpc **rtail = &s->rpcs;
	struct pbfile_option **otail = &s->options;
	s->line = at.line;
	s->column = at.column;
	s->name = pb_read_name(r, 1, 0);
	pb_require(r, '{');
	for (;;) {
		pb_read_documentation(r);
		if (pb_peek_is(r, '}'))
			break;
		struct pb_declared d = pb_read_declaration(r, PB_SERVICE);
		if (d.kind == PB_D_RPC) {
			*rtail = d.item;
			rtail = &(*rtail)->next;
		} else if (d.kind == PB_D_OPTION) {
			*otail = d.item;
			otail = &(*otail)->next;
		}
	}
	return s;
}

static struct pbfile_type *pb_read_enum(struct pb_reader *r, struct pb_loc at)
{
	struct pbfile_type *e = PB_NEW(r, struct pbfile_type);
	struct pbfile_constant **ktail = &e->constants;
	struct pbfile_option **otail = &e->options;
	struct pbfile_reserved **rtail = &e->reserveds;
	e->is_enum = 1;
	e->line = at.line;
	e->column = at.column;
	e->name = pb_read_name(r, 1, 0);
	pb_require(r, '{');
	for (;;) {
		pb_read_documentation(r);
		if (pb_peek_is(r, '}'))
			break;
		struct pb_declared d = pb_read_declaration(r, PB_ENUM);
		if (d.kind == PB_D_CONSTANT) {
			*ktail = d.item;
			ktail = &(*ktail)->next;
		} else if (d.kind == PB_D_OPTION) {
			*otail = d.item;
			otail = &(*otail)->next;
		} else if (d.kind == PB_D_RESERVED) {
			*rtail = d.item;
			rtail = &(*rtail)->next;
		}
	}
	return e;
}

static void pb_add_name(struct pb_reader *r, struct pbfile_name **list, const char *path)
{
	/* Wire writes an import's path with Unix slashes. */
	char *p = (char *)pb_strndup(r, path, strlen(path));
	for (char *q = p; *q; q++)
		if (*q == '\\')
			*q = '/';
	struct pbfile_name *n = PB_NEW(r, struct pbfile_name);
	n->name = p;
	while (*list)
		list = &(*list)->next;
	*list = n;
}

/* Wire's readDeclaration(): which statement a word starts depends on where
 * it stands; a word no rule claims is a field in a message or an extend, a
 * constant in an enum, an error elsewhere. */
static struct pb_declared pb_read_declaration(struct pb_reader *r, enum pb_context ctx)
{
	int index = r->declaration_count++;
	struct pb_declared none = {PB_D_NONE, NULL};
	if (pb_peek_is(r, ';'))
		return none;
	struct pb_loc at = pb_location(r);
	const char *label = pb_read_word_opt(r, ctx != PB_ENUM);
	int file = ctx == PB_FILE, message = ctx == PB_MESSAGE;

	if (strcmp(label, "package") == 0 && file) {
		r->file->package = pb_read_name(r, 1, 0);
		pb_require(r, ';');
		return none;
	}
	if (strcmp(label, "import") == 0 && file) {
		const char *s = pb_read_string(r);
		if (strcmp(s, "weak") == 0)
			pb_add_name(r, &r->file->weak_imports, pb_read_string(r));
		else if (strcmp(s, "public") == 0)
			pb_add_name(r, &r->file->public_imports, pb_read_string(r));
		else
			pb_add_name(r, &r->file->imports, s);
		pb_require(r, ';');
		return none;
	}
	if (strcmp(label, "syntax") == 0 && file) {
		if (r->file->syntax != PBFILE_SYNTAX_NONE)
			pb_fail_at(r, at, "too many syntax definitions");
		pb_require(r, '=');
		if (index != 0)
			pb_fail_at(r, at,
			           "'syntax' element must be the first declaration in a file");
		const char *s = pb_read_quoted(r);
		if (strcmp(s, "proto2") == 0)
			r->file->syntax = PBFILE_SYNTAX_PROTO2;
		else if (strcmp(s, "proto3") == 0)
			r->file->syntax = PBFILE_SYNTAX_PROTO3;
		else
			pb_fail_at(r, at, "unexpected syntax: %s", s);
		pb_require(r, ';');
		return none;
	}
	if (strcmp(label, "option") == 0) {
		struct pbfile_option *o = pb_read_option(r, '=');
		pb_require(r, ';');
		return (struct pb_declared){PB_D_OPTION, o};
	}
	if (strcmp(label, "reserved") == 0)
		return (struct pb_declared){PB_D_RESERVED, pb_read_reserved(r, at)};
	if (strcmp(label, "message") == 0 && (file || message))
		return (struct pb_declared){PB_D_TYPE, pb_read_message(r, at)};
	if (strcmp(label, "enum") == 0 && (file || message))
		return (struct pb_declared){PB_D_TYPE, pb_read_enum(r, at)};
	if (strcmp(label, "service") == 0 && file)
		return (struct pb_declared){PB_D_SERVICE, pb_read_service(r, at)};
	if (strcmp(label, "extend") == 0 && (file || message))
		return (struct pb_declared){PB_D_EXTEND, pb_read_extend(r)};
	if (strcmp(label, "rpc") == 0 && ctx == PB_SERVICE)
		return (struct pb_declared){PB_D_RPC, pb_read_rpc(r, at)};
	if (strcmp(label, "oneof") == 0 && message)
		return (struct pb_declared){PB_D_ONEOF, pb_read_oneof(r)};
	if (strcmp(label, "extensions") == 0 && message)
		return (struct pb_declared){PB_D_EXTENSIONS, pb_read_extensions(r, at)};
	if (message || ctx == PB_EXTEND)
		return pb_read_field(r, at, label);
	if (ctx == PB_ENUM)
		return (struct pb_declared){PB_D_CONSTANT, pb_read_constant(r, label)};
	if (strcmp(label, "edition") == 0 && file)
		pb_fail(r, "edition is not currently supported");
	pb_fail_at(r, at, "unexpected label: %s", label);
}

/* Wire's words for a second top-level type or service of the same name. */
__attribute__((noreturn)) static void pb_fail_duplicate(struct pb_reader *r, const char *name,
                                                        int line, int column, int first_line,
                                                        int first_column)
{
	error_set(r->err, SG_EINVALID_SCHEMA, "%s (:%d:%d) is already defined at :%d:%d", name,
	          line, column, first_line, first_column);
	longjmp(r->fail, 1);
}

/* Wire's readProtoFile(). */
static void pb_read_file(struct pb_reader *r)
{
	struct pbfile *f = r->file;
	struct pbfile_type **ttail = &f->types;
	struct pbfile_service **stail = &f->services;
	struct pbfile_option **otail = &f->options;
	struct pbfile_extend **etail = &f->extends;
	for (;;) {
		pb_read_documentation(r);
		if (r->pos == r->len)
			return;
		struct pb_declared d = pb_read_declaration(r, PB_FILE);
		if (d.kind == PB_D_TYPE) {
			struct pbfile_type *t = d.item;
			for (struct pbfile_type *o = f->types; o; o = o->next)
				if (strcmp(o->name, t->name) == 0)
					pb_fail_duplicate(r, t->name, t->line, t->column, o->line,
					                  o->column);
			*ttail = t;
			ttail = &t->next;
		} else if (d.kind == PB_D_SERVICE) {
			struct pbfile_service *s = d.item;
			for (struct pbfile_service *o = f->services; o; o = o->next)
				if (strcmp(o->name, s->name) == 0)
					pb_fail_duplicate(r, s->name, s->line, s->column, o->line,
					                  o->column);
			*stail = s;
			stail = &s->next;
		} else if (d.kind == PB_D_OPTION) {
			*otail = d.item;
			otail = &(*otail)->next;
		} else if (d.kind == PB_D_EXTEND) {
			*etail = d.item;
			etail = &(*etail)->next;
		}
	}
}

struct pbfile *pbfile_parse(const char *text, size_t len, struct sg_error *err)
{
	struct sg_error local;
	if (!err) {
		error_clear(&local);
		err = &local;
	}
	if (len > PBFILE_MAX_TEXT) {
		error_set(err, SG_ELIMIT, "Protobuf schema too large: %zu bytes, at most %u", len,
		          PBFILE_MAX_TEXT);
		return NULL;
	}
	struct pbfile_arena *arena = calloc(1, sizeof *arena);
	if (!arena) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	/* volatile: read after a longjmp() */
	struct pb_reader *volatile r = calloc(1, sizeof *r);
	if (!r) {
		free(arena);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	r->data = text;
	r->len = len;
	r->arena = arena;
	r->err = err;
	struct pbfile *f = NULL;
	if (setjmp(r->fail) == 0) {
		r->file = PB_NEW(r, struct pbfile);
		pb_read_file(r);
		f = r->file;
		f->arena = arena;
	} else {
		pb_arena_free(arena);
	}
	free(r->buf);
	free(r);
	return f;
}

struct pbfile *pbfile_new(struct sg_error *err)
{
	struct pbfile_arena *arena = calloc(1, sizeof *arena);
	int code = SG_ENOMEM;
	struct pbfile *f = arena ? pb_arena_alloc(arena, sizeof *f, &code) : NULL;
	if (!f) {
		free(arena);
		error_set(err, code, "out of memory");
		return NULL;
	}
	f->arena = arena;
	return f;
}

void *pbfile_alloc(struct pbfile *f, size_t n, struct sg_error *err)
{
	int code = 0;
	void *p = pb_arena_alloc(f->arena, n, &code);
	if (!p)
		error_set(err, code,
		          code == SG_ELIMIT
		              ? "Protobuf schema too large: its model exceeds the memory limit"
		              : "out of memory");
	return p;
}

const char *pbfile_strndup(struct pbfile *f, const char *s, size_t n, struct sg_error *err)
{
	char *p = pbfile_alloc(f, n + 1, err);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void pbfile_free(struct pbfile *f)
{
	if (f)
		pb_arena_free(f->arena);
}

const char *pbfile_syntax_name(enum pbfile_syntax s)
{
	return s == PBFILE_SYNTAX_PROTO2 ? "proto2" : s == PBFILE_SYNTAX_PROTO3 ? "proto3" : NULL;
}

int pbfile_is_scalar(const char *type)
{
	static const char *const scalars[] = {
	    "bool",     "bytes",    "double", "float",  "fixed32", "fixed64", "int32",  "int64",
	    "sfixed32", "sfixed64", "sint32", "sint64", "string",  "uint32",  "uint64",
	};
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
		if (strcmp(type, scalars[i]) == 0)
			return 1;
	return 0;
}
