/* registry/api/metadata.c: what the server says of itself: GET / (an empty
 * object), /health for probes, /v1/metadata/id and /version.
 */
#include "registry/api/internal.h"

#include <jansson.h>

#include "config.h"
#include "registry/jsonio.h"

void api_metadata_root(struct api_ctx *c)
{
	api_send_json(c, json_object());
}

void api_metadata_health(struct api_ctx *c)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_read(c->a->st, &e);
	int64_t max = tx ? store_schema_max_id(tx, &e) : -1;
	if (tx)
		store_end(tx);
	if (max < 0) {
		json_t *o = json_pack("{s:s, s:s}", "status", "DOWN", "reason", e.msg);
		size_t len = 0;
		char *body = o ? jsonio_dump(o, &len) : NULL;
		json_decref(o);
		api_send(c, error_http_status(SG_EUNAVAILABLE), body, len);
		return;
	}
	api_send_json(c, json_pack("{s:s}", "status", "UP"));
}

void api_metadata_id(struct api_ctx *c)
{
	api_send_json(c, json_pack("{s:s, s:{s:[], s:{s:s, s:s}}}", "id", "", "scope", "path",
	                           "clusters", "kafka-cluster", store_cluster_id(c->a->st),
	                           "schema-registry-cluster", "schema-registry"));
}

void api_metadata_version(struct api_ctx *c)
{
	api_send_json(c, json_pack("{s:s, s:s}", "version", PACKAGE_VERSION, "commitId", ""));
}
