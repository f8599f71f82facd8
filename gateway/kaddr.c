/* gateway/kaddr.c: broker address rewriting in Metadata, FindCoordinator,
 * DescribeCluster, and the NodeEndpoints of Produce and Fetch responses.
 *
 * Each rewriter walks the response with a kreader `r` while a second cursor
 * `mark` trails it: bytes between mark and r are copied to the output as
 * they are, and only a host and port are written anew. */
#include "gateway/kaddr.h"

#include <string.h>

#include "compat/error.h"
#include "gateway/kproto.h"
#include "gateway/kwriter.h"

/* Largest NodeEndpoints section rebuilt (a few hundred brokers). */
#define KADDR_TAG_LIMIT ((size_t)1 << 20)

struct kaddr_walk {
	struct kreader r;    /* the parse position */
	struct kreader mark; /* everything before it is already in out */
	struct kwriter *out; /* NULL while only scanning */
	const struct kaddr_map *map;
	struct sg_error *err;
	int flex;
	int refused; /* the map said no: err holds why */
};

static void kaddr_walk_init(struct kaddr_walk *w, const void *p, size_t len, int flex,
                            const struct kaddr_map *map, struct kwriter *out, struct sg_error *err)
{
	kreader_init(&w->r, p, len);
	w->mark = w->r;
	w->out = out;
	w->map = map;
	w->err = err;
	w->flex = flex;
	w->refused = 0;
}

/* Copies the bytes from mark up to r into out and moves mark to r. */
static void kaddr_copy(struct kaddr_walk *w)
{
	size_t n = kreader_offset(&w->r) - kreader_offset(&w->mark);
	const uint8_t *p;
	if (!kreader_ok(&w->r))
		return;
	p = kreader_take(&w->mark, n);
	if (w->out && n)
		kwriter_raw(w->out, p, n);
}

/* Moves mark to r without copying (the bytes between were replaced). */
static void kaddr_drop(struct kaddr_walk *w)
{
	if (kreader_ok(&w->r))
		kreader_skip(&w->mark, kreader_offset(&w->r) - kreader_offset(&w->mark));
}

static struct kslice kaddr_str(struct kaddr_walk *w)
{
	return w->flex ? kreader_compact_string(&w->r) : kreader_string(&w->r);
}

static void kaddr_skip_tags(struct kaddr_walk *w)
{
	if (w->flex)
		kreader_skip_tags(&w->r);
}

/* At a Host field of broker `node_id`: replaces Host and the Port after it. */
static void kaddr_hostport(struct kaddr_walk *w, int32_t node_id)
{
	struct kslice host;
	int32_t port, gw_port = 0;

	kaddr_copy(w);
	host = kaddr_str(w);
	port = kreader_i32(&w->r);
	if (!kreader_ok(&w->r) || node_id < 0 || !w->out)
		return;
	if (host.len < 0) {
		kreader_fail(&w->r, "null broker host");
		return;
	}
	if (w->map->node(w->map->arg, node_id, host, port, &gw_port, w->err) != 0) {
		w->refused = 1;
		kreader_fail(&w->r, "broker address refused");
		return;
	}
	if (w->flex)
		kwriter_compact_string(w->out, kslice_cstr(w->map->host));
	else
		kwriter_string(w->out, kslice_cstr(w->map->host));
	kwriter_i32(w->out, gw_port);
	kaddr_drop(w);
}

/* Copies the rest of the frame. */
static void kaddr_rest(struct kaddr_walk *w)
{
	kreader_skip(&w->r, kreader_remaining(&w->r));
	kaddr_copy(w);
}

static int32_t kaddr_array(struct kaddr_walk *w)
{
	int32_t n = w->flex ? kreader_compact_array_len(&w->r) : kreader_array_len(&w->r);
	if (n < 0)
		kreader_fail(&w->r, "null array");
	return n;
}

/* Response header: correlation id, then tagged fields in flexible versions. */
static void kaddr_header(struct kaddr_walk *w)
{
	(void)kreader_i32(&w->r);
	kaddr_skip_tags(w);
}

static void kaddr_metadata(struct kaddr_walk *w, int v)
{
	int32_t n;
	kaddr_header(w);
	if (v >= 3)
		(void)kreader_i32(&w->r); /* ThrottleTimeMs */
	n = kaddr_array(w);
	for (int32_t i = 0; i < n && kreader_ok(&w->r); i++) {
		int32_t node = kreader_i32(&w->r);
		kaddr_hostport(w, node);
		if (v >= 1)
			(void)kaddr_str(w); /* Rack */
		kaddr_skip_tags(w);
	}
	kaddr_rest(w);
}

static void kaddr_find_coordinator(struct kaddr_walk *w, int v)
{
	kaddr_header(w);
	if (v >= 1)
		(void)kreader_i32(&w->r); /* ThrottleTimeMs */
	if (v <= 3) {
		(void)kreader_i16(&w->r); /* ErrorCode */
		if (v >= 1)
			(void)kaddr_str(w); /* ErrorMessage */
		kaddr_hostport(w, kreader_i32(&w->r));
	} else {
		int32_t n = kaddr_array(w);
		for (int32_t i = 0; i < n && kreader_ok(&w->r); i++) {
			(void)kaddr_str(w); /* Key */
			kaddr_hostport(w, kreader_i32(&w->r));
			(void)kreader_i16(&w->r); /* ErrorCode */
			(void)kaddr_str(w);       /* ErrorMessage */
			kaddr_skip_tags(w);
		}
	}
	kaddr_rest(w);
}

static void kaddr_describe_cluster(struct kaddr_walk *w, int v)
{
	int32_t n;
	kaddr_header(w);
	(void)kreader_i32(&w->r); /* ThrottleTimeMs */
	(void)kreader_i16(&w->r); /* ErrorCode */
	(void)kaddr_str(w);       /* ErrorMessage */
	if (v >= 1)
		(void)kreader_i8(&w->r); /* EndpointType */
	(void)kaddr_str(w);              /* ClusterId */
	(void)kreader_i32(&w->r);        /* ControllerId */
	n = kaddr_array(w);
	for (int32_t i = 0; i < n && kreader_ok(&w->r); i++) {
		kaddr_hostport(w, kreader_i32(&w->r));
		(void)kaddr_str(w); /* Rack */
		if (v >= 2)
			(void)kreader_bool(&w->r); /* IsFenced */
		kaddr_skip_tags(w);
	}
	kaddr_rest(w);
}

/* Walks a Produce response (v10-v12) up to its top-level tagged fields. */
static void kaddr_produce_body(struct kaddr_walk *w, int v)
{
	int32_t nt = kaddr_array(w);
	for (int32_t t = 0; t < nt && kreader_ok(&w->r); t++) {
		int32_t np;
		(void)kaddr_str(w); /* Name */
		np = kaddr_array(w);
		for (int32_t p = 0; p < np && kreader_ok(&w->r); p++) {
			int32_t ne;
			(void)kreader_i32(&w->r); /* Index */
			(void)kreader_i16(&w->r); /* ErrorCode */
			(void)kreader_i64(&w->r); /* BaseOffset */
			(void)kreader_i64(&w->r); /* LogAppendTimeMs */
			(void)kreader_i64(&w->r); /* LogStartOffset */
			ne = kaddr_array(w);      /* RecordErrors */
			for (int32_t e = 0; e < ne && kreader_ok(&w->r); e++) {
				(void)kreader_i32(&w->r);
				(void)kaddr_str(w);
				kaddr_skip_tags(w);
			}
			(void)kaddr_str(w); /* ErrorMessage */
			kaddr_skip_tags(w); /* CurrentLeader lives here */
		}
		kaddr_skip_tags(w);
	}
	(void)kreader_i32(&w->r); /* ThrottleTimeMs */
	(void)v;
}

/* Walks a Fetch response (v16-v18) up to its top-level tagged fields. */
static void kaddr_fetch_body(struct kaddr_walk *w, int v)
{
	int32_t nt;
	(void)kreader_i32(&w->r); /* ThrottleTimeMs */
	(void)kreader_i16(&w->r); /* ErrorCode */
	(void)kreader_i32(&w->r); /* SessionId */
	nt = kaddr_array(w);
	for (int32_t t = 0; t < nt && kreader_ok(&w->r); t++) {
		int32_t np;
		kreader_skip(&w->r, 16); /* TopicId */
		np = kaddr_array(w);
		for (int32_t p = 0; p < np && kreader_ok(&w->r); p++) {
			int32_t na;
			(void)kreader_i32(&w->r);              /* PartitionIndex */
			(void)kreader_i16(&w->r);              /* ErrorCode */
			(void)kreader_i64(&w->r);              /* HighWatermark */
			(void)kreader_i64(&w->r);              /* LastStableOffset */
			(void)kreader_i64(&w->r);              /* LogStartOffset */
			na = kreader_compact_array_len(&w->r); /* AbortedTransactions, nullable */
			for (int32_t a = 0; a < na && kreader_ok(&w->r); a++) {
				(void)kreader_i64(&w->r);
				(void)kreader_i64(&w->r);
				kaddr_skip_tags(w);
			}
			(void)kreader_i32(&w->r);           /* PreferredReadReplica */
			(void)kreader_compact_bytes(&w->r); /* Records */
			kaddr_skip_tags(w);
		}
		kaddr_skip_tags(w);
	}
	(void)v;
}

/* Rewrites the entries of a NodeEndpoints array held in `data` into `out`. */
static int kaddr_node_endpoints(struct kslice data, const struct kaddr_map *map,
                                struct kwriter *out, struct sg_error *err)
{
	struct kaddr_walk w;
	int32_t n;

	kaddr_walk_init(&w, data.p, (size_t)data.len, 1, map, out, err);
	n = kaddr_array(&w);
	for (int32_t i = 0; i < n && kreader_ok(&w.r); i++) {
		kaddr_hostport(&w, kreader_i32(&w.r));
		(void)kaddr_str(&w); /* Rack */
		kaddr_skip_tags(&w);
	}
	if (kreader_ok(&w.r) && kreader_remaining(&w.r) != 0)
		kreader_fail(&w.r, "trailing bytes");
	kaddr_copy(&w);
	if (w.refused)
		return -1;
	return kreader_error(&w.r, err, "NodeEndpoints");
}

/* For Produce and Fetch: after the body walk, w->r sits on the top-level
 * tagged fields. Returns 0 if NodeEndpoints (tag 0) is absent, 1 after
 * writing the whole rewritten frame, -1 on error. */
static int kaddr_tagged_endpoints(struct kaddr_walk *w, const uint8_t *frame, size_t len,
                                  const char *what)
{
	struct kreader scan = w->r;
	struct kreader prefix;
	uint32_t count, tag;
	struct kslice data;
	int found = 0;

	count = kreader_uvarint(&scan);
	if (kreader_ok(&scan) && count > kreader_remaining(&scan))
		kreader_fail(&scan, "tagged field count past the end");
	for (uint32_t i = 0; i < count && kreader_tag(&scan, &tag, &data); i++)
		found |= tag == 0;
	if (kreader_ok(&scan) && kreader_remaining(&scan) != 0)
		kreader_fail(&scan, "trailing bytes");
	if (kreader_error(&w->r, w->err, what) < 0 || kreader_error(&scan, w->err, what) < 0)
		return -1;
	if (!found)
		return 0;

	kreader_init(&prefix, frame, len);
	kwriter_raw(w->out, kreader_take(&prefix, kreader_offset(&w->r)), kreader_offset(&w->r));
	count = kreader_uvarint(&w->r);
	kwriter_uvarint(w->out, count);
	for (uint32_t i = 0; i < count && kreader_tag(&w->r, &tag, &data); i++) {
		kwriter_uvarint(w->out, tag);
		if (tag == 0) {
			struct kwriter tmp;
			kwriter_init(&tmp, KADDR_TAG_LIMIT);
			if (kaddr_node_endpoints(data, w->map, &tmp, w->err) < 0 ||
			    kwriter_error(&tmp, w->err, "NodeEndpoints") < 0) {
				kwriter_free(&tmp);
				return -1;
			}
			kwriter_uvarint(w->out, (uint32_t)tmp.len);
			kwriter_raw(w->out, tmp.buf, tmp.len);
			kwriter_free(&tmp);
		} else {
			kwriter_uvarint(w->out, (uint32_t)data.len);
			kwriter_raw(w->out, data.p, (size_t)data.len);
		}
	}
	if (kreader_error(&w->r, w->err, what) < 0 || kwriter_error(w->out, w->err, what) < 0)
		return -1;
	return 1;
}

int kaddr_applies(int api_key, int version)
{
	switch (api_key) {
	case KPROTO_METADATA:
	case KPROTO_FIND_COORDINATOR:
	case KPROTO_DESCRIBE_CLUSTER:
		return 1;
	case KPROTO_PRODUCE:
		return version >= 10;
	case KPROTO_FETCH:
		return version >= 16;
	default:
		return 0;
	}
}

int kaddr_rewrite(int api_key, int version, const uint8_t *frame, size_t len,
                  const struct kaddr_map *map, struct kwriter *out, struct sg_error *err)
{
	struct kaddr_walk w;
	int16_t min, max;
	int flex = kproto_flexible(api_key, version) == 1;
	const char *what = kproto_api_name(api_key);

	if (!kaddr_applies(api_key, version))
		return 0;
	if (!kproto_gateway_versions(api_key, &min, &max) || version > max || version < 0)
		return error_set(err, SG_ECORRUPT,
		                 "%s v%d responses are not supported by the gateway", what,
		                 version);
	kaddr_walk_init(&w, frame, len, flex, map, out, err);
	switch (api_key) {
	case KPROTO_METADATA:
		kaddr_metadata(&w, version);
		break;
	case KPROTO_FIND_COORDINATOR:
		kaddr_find_coordinator(&w, version);
		break;
	case KPROTO_DESCRIBE_CLUSTER:
		kaddr_describe_cluster(&w, version);
		break;
	case KPROTO_PRODUCE:
		kaddr_header(&w);
		kaddr_produce_body(&w, version);
		return kaddr_tagged_endpoints(&w, frame, len, "Produce response");
	case KPROTO_FETCH:
		kaddr_header(&w);
		kaddr_fetch_body(&w, version);
		return kaddr_tagged_endpoints(&w, frame, len, "Fetch response");
	}
	if (w.refused)
		return -1;
	if (kreader_error(&w.r, err, what) < 0 || kwriter_error(out, err, what) < 0)
		return -1;
	return 1;
}
