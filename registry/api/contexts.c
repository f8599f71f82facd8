/* registry/api/contexts.c: GET /contexts and DELETE /contexts/{context},
 * as Confluent 8.1's ContextsResource answers them. A context comes into
 * being with its first registration (KafkaSchemaRegistry.register saves its
 * ContextKey); the default context "." is always listed first.
 */
#include "registry/api/internal.h"

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "registry/qsubject.h"

/* A store_contexts() callback appending the name to the pager `ctx`. */
static int api_context_cb(void *ctx, const char *name)
{
	api_pager_push(ctx, json_string(name));
	return 0;
}

/* GET /contexts?offset&limit: ".", then the others in name order. */
void api_contexts_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_pager p;
	api_pager_init(&p, offset, limit);
	api_pager_push(&p, json_string(QSUBJECT_DEFAULT_CONTEXT));
	int r = store_contexts(tx, api_context_cb, &p, &e);
	store_end(tx);
	if (r < 0) {
		json_decref(p.out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, p.out);
}

/* Whether a subject of the context (a soft-deleted one too) is left. */
struct api_context_use {
	const char *prefix;
	int used;
};

static int api_context_use_cb(void *ctx, const struct store_version *v)
{
	struct api_context_use *u = ctx;
	u->used = qsubject_prefix_matches(u->prefix, v->subject);
	return u->used;
}

/* DELETE /contexts/{context}: 204 once the context has no version left,
 * soft-deleted ones included; else 42211 "The specified context ':.ctx:' is
 * not empty." (RestContextNotEmptyException). An unknown context is a 204
 * too, as Confluent's store deletes a key that is not there.
 *
 * With authorization on, it needs Admin on the context named as a subject
 * (Subject::.ctx:), as PUT /config/:.ctx: and PUT /mode/:.ctx: do: whoever
 * administers a context's settings may also remove it once it is empty,
 * without a grant on the registry-wide Config:. */
void api_contexts_delete(struct api_ctx *c)
{
	const char *given = c->req->segs[1];
	size_t cap = strlen(given) + 3;
	char *delimited = malloc(cap);
	char name[STORE_CONTEXT_MAX];
	struct sg_error e = {0};
	struct store_tx *tx = NULL;
	if (!delimited || qsubject_normalize(given, delimited, cap, &e) < 0 ||
	    qsubject_context_of(delimited, name, sizeof name, &e) < 0)
		goto fail;
	if (api_require_on(c, AUTH_ADMIN, delimited) < 0)
		goto done;
	if (!(tx = api_write(c)))
		goto done;
	struct api_context_use u = {delimited, 0};
	if (store_subjects(tx, delimited, STORE_ALL, api_context_use_cb, &u, &e) < 0)
		goto fail;
	if (u.used) {
		api_fail(c, SG_ECONTEXT_NOT_EMPTY, "The specified context '%s' is not empty.",
		         delimited);
		goto done;
	}
	if (store_context_unlist(tx, name, &e) < 0)
		goto fail;
	if (api_commit(c, &tx) == 0)
		api_send(c, 204, NULL, 0);
	goto done;
fail:
	if (e.code == SG_OK)
		error_set(&e, SG_ENOMEM, "out of memory");
	api_send_error(c, &e);
done:
	store_end(tx);
	free(delimited);
}
