/* registry/api/compat.c: the compatibility resource, POST
 * /compatibility/subjects/{subject}/versions[/{version}].
 */
#include "registry/api/internal.h"

#include <jansson.h>

#include "registry/schemacache.h"

/* POST /compatibility/subjects/{subject}/versions[/{version}] */
static void api_compat_common(struct api_ctx *c, int one)
{
	int version = 0;
	if (one && api_version_param(c, c->req->segs[4], &version) < 0)
		return;
	struct api_sreq r;
	const char *bad_ref;
	if (api_sreq_parse(c, &r, &bad_ref) < 0)
		return;
	int verbose = api_query_bool(c, "verbose");
	struct store_tx *tx = api_read(c);
	if (!tx) {
		api_sreq_clear(&r);
		return;
	}
	struct sg_error e = {0};
	struct api_cand cd = {0};
	struct api_history h = {0};
	json_t *cfg = NULL, *messages = json_array();
	if (one) {
		struct store_version v;
		int found = version == -1 ? store_version_latest(tx, c->subject, 0, &v, &e)
		                          : store_version_get(tx, c->subject, version, &v, &e);
		if (found == 1 && v.deleted)
			found = 0;
		if (found < 0)
			goto fail;
		if (found == 0 && version != -1) {
			api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
			goto done;
		}
		if (found == 1 && api_history_load_one(c->a, tx, &v, &h, &e) < 0)
			goto fail;
	}
	if (!(cfg = api_config_scope(tx, c->subject, &e)))
		goto fail;
	if (!one && api_history_for(c->a, tx, c->subject, cfg, &h, &e) < 0)
		goto fail;
	int normalize =
	    api_query_bool(c, "normalize") || json_is_true(json_object_get(cfg, "normalize"));
	struct sg_error pe = {0};
	if (api_cand_build(c->a, tx, &r, r.text, r.type, r.type_name, r.refs, r.nrefs, bad_ref,
	                   normalize, &cd, &pe) < 0) {
		if (pe.code != SG_EINVALID_SCHEMA || !verbose) {
			e = pe;
			goto fail;
		}
		json_array_append_new(messages, json_string(pe.msg));
		store_end(tx);
		tx = NULL;
		api_send_json(c, json_pack("{s:b, s:O}", "is_compatible", 0, "messages", messages));
		goto done;
	}
	int ok = api_history_check(cfg, schemacache_schema(cd.item), r.metadata, &h, messages, &e);
	if (ok < 0)
		goto fail;
	store_end(tx);
	tx = NULL;
	json_t *out = json_pack("{s:b}", "is_compatible", ok);
	if (out && verbose)
		json_object_set(out, "messages", messages);
	api_send_json(c, out);
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	api_cand_clear(c->a, &cd);
	api_history_clear(c->a, &h);
	json_decref(cfg);
	json_decref(messages);
	api_sreq_clear(&r);
}

void api_compat_version(struct api_ctx *c)
{
	api_compat_common(c, 1);
}

void api_compat_all(struct api_ctx *c)
{
	api_compat_common(c, 0);
}
