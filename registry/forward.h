/* registry/forward.h: a write that reaches a node that does not lead is sent
 * on to the leader (registry/leader.h) over HTTP or HTTPS with libcurl, and
 * the leader's answer, status and body, is relayed unchanged, as Confluent's
 * followers do (KafkaSchemaRegistry.forward*RequestToLeader, RestService).
 *
 * What is sent: the same method, the path and query as the client sent them
 * (before any rewriting) on the leader's advertised URL, the body, and the
 * headers Confluent forwards: Content-Type, Accept, Authorization (so the
 * leader authenticates and authorizes the caller itself) and X-Request-ID,
 * plus "X-Forward: true". A client certificate cannot be forwarded: the
 * leader sees this node's own certificate (forward_options.cert), if any.
 *
 * A request that carries X-Forward and reaches a node that does not lead is
 * not forwarded again (the sender's idea of the leader is stale): it is
 * answered as if no leader were known.
 *
 * Threading: forward_write() is called from many server threads at once; it
 * blocks for at most the timeout. Idle libcurl handles (and their open
 * connections to the leader) are kept in a small pool.
 *
 * Ownership: forward_new() borrows the leader, which must outlive the
 * forward, and copies the options; forward_free() accepts NULL.
 */
#ifndef SG_FORWARD_H
#define SG_FORWARD_H

#include "compat/error.h"
#include "registry/http.h"

struct leader;
struct forward;

/* Largest answer relayed from the leader. */
#define FORWARD_MAX_BODY (64u << 20)

struct forward_options {
	long timeout_ms; /* each forwarded request; 0: 30000 */
	/* For an https:// leader: the CAs to verify it with (a PEM file or a
	 * folder, common/pembundle.h; NULL: the system's store) and this node's
	 * client certificate and key (PEM; both or neither). */
	const char *ca;
	const char *cert;
	const char *key;
	/* Called after the leader answered a relayed write with a 2xx status,
	 * before forward_write() returns (a server thread): the node waits there
	 * until its own view has the leader's write, so that a client that
	 * reads from this node next sees it (kafka mode: the reader catches up
	 * to the log's end). NULL: answer at once. */
	void (*on_relayed)(void *ctx);
	void *ctx;
};

struct forward *forward_new(struct leader *l, const struct forward_options *o,
                            struct sg_error *err);
void forward_free(struct forward *f);

/* For a write request (the caller knows which routes write). Returns 0 when
 * this node leads: the caller handles the request itself. Returns 1 when the
 * leader answered: `resp` holds its status, body and content type. Returns
 * -1 with `err` set when it could not be forwarded: SG_ELEADER_UNKNOWN when
 * no leader is known, SG_EFORWARD when the leader could not be reached or
 * did not answer (the message says why, for the log; the API answers with
 * Confluent's wording). */
int forward_write(struct forward *f, const struct http_request *req, struct http_response *resp,
                  struct sg_error *err);

#endif
