/* registry/api/compat.c: the compatibility resource, POST
 * /compatibility/subjects/{subject}/versions[/{version}].
 */
#include "registry/api/internal.h"

#include <jansson.h>

#include "registry/schemacache.h"

/* POST .../versions/{version}: loads that version, which must be live
 * (-1, the latest, may be absent: then the check has nothing to read).
 * Returns 0, 1 when the 40402 is sent, or -1. */
static int api_compat_load_version(struct api_ctx *c, struct api_cand_req *q, int version,
                                   struct api_history *h, struct sg_error *e)
{
	struct store_version v;
	int found = version == -1 ? store_version_latest(q->tx, c->subject, 0, &v, e)
	                          : store_version_get(q->tx, c->subject, version, &v, e);
	if (found == 1 && v.deleted)
		found = 0;
	if (found < 0)
		return -1;
	if (found == 0 && version != -1) {
		api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
		return 1;
	}
	if (found == 1 && api_history_load_one(c->a, q->tx, &v, h, e) < 0)
		return -1;
	return 0;
}

/* Builds the candidate, checks it against `h` and answers. With
 * ?verbose=true an invalid schema is an incompatible one, with the parser's
 * message. Returns 1 (answered) or -1. */
static int api_compat_answer(struct api_ctx *c, struct api_cand_req *q, struct api_history *h,
                             int verbose, json_t *messages, struct sg_error *e)
{
	struct sg_error pe = {0};
	json_t *out;
	if (api_cand_req_build(c, q, &pe) < 0) {
		if (pe.code != SG_EINVALID_SCHEMA || !verbose) {
			*e = pe;
			return -1;
		}
		json_array_append_new(messages, json_string(pe.msg));
		out = json_pack("{s:b, s:O}", "is_compatible", 0, "messages", messages);
	} else {
		int ok = api_history_check(q->cfg, schemacache_schema(q->cd.item), q->r.metadata, h,
		                           messages, e);
		if (ok < 0)
			return -1;
		out = json_pack("{s:b}", "is_compatible", ok);
		if (out && verbose)
			json_object_set(out, "messages", messages);
	}
	store_end(q->tx);
	q->tx = NULL;
	api_send_json(c, out);
	return 1;
}

/* POST /compatibility/subjects/{subject}/versions[/{version}]: against that
 * version (`one`), or the versions the subject's config names. */
static void api_compat_common(struct api_ctx *c, int one)
{
	int version = 0;
	if (one && api_version_param(c, c->req->segs[4], &version) < 0)
		return;
	struct api_cand_req q;
	if (api_cand_req_open(c, &q) < 0)
		return;
	int verbose = api_query_bool(c, "verbose");
	struct sg_error e = {0};
	struct api_history h = {0};
	json_t *messages = json_array();
	int rc = one ? api_compat_load_version(c, &q, version, &h, &e) : 0;
	if (rc == 0)
		rc = api_cand_req_config(c, &q, &e);
	if (rc == 0 && !one)
		rc = api_history_for(c->a, q.tx, c->subject, q.cfg, &h, &e);
	if (rc == 0)
		rc = api_compat_answer(c, &q, &h, verbose, messages, &e);
	if (rc < 0)
		api_send_error(c, &e);
	api_history_clear(c->a, &h);
	json_decref(messages);
	api_cand_req_close(c, &q);
}

void api_compat_version(struct api_ctx *c)
{
	api_compat_common(c, 1);
}

void api_compat_all(struct api_ctx *c)
{
	api_compat_common(c, 0);
}
