/* gateway/kaddr.h: rewriting the broker addresses that Kafka responses carry,
 * so that a client only ever sees the gateway.
 *
 * Responses that carry addresses, in every version the gateway offers
 * (kproto_gateway_versions()):
 *   - Metadata (all versions): Brokers[].Host/Port;
 *   - FindCoordinator v0-v3: Host/Port; v4+: Coordinators[].Host/Port;
 *   - DescribeCluster (all versions): Brokers[].Host/Port;
 *   - Produce v10+ and Fetch v16+: the NodeEndpoints tagged field (tag 0 of
 *     the top-level tagged fields), present only when the broker reports a
 *     leader change.
 * Each address is replaced by the advertised host and the port the caller's
 * map returns for that node id; everything else is copied byte for byte,
 * including unknown tagged fields. Entries with a negative node id (e.g. "no
 * coordinator" with an error code) are left as they are.
 *
 * Frames are whole responses without the 4-byte size prefix. Nothing here
 * does I/O; output goes to the caller's kwriter.
 */
#ifndef SG_KADDR_H
#define SG_KADDR_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/kreader.h"

struct kwriter;
struct sg_error;

struct kaddr_map {
	/* Learns that broker `node_id` is at host:port (host borrowed from the
	 * frame) and stores in *gw_port the port clients must use for it.
	 * Returns 0, or -1 with `err` set to refuse the response. */
	int (*node)(void *arg, int32_t node_id, struct kslice host, int32_t port, int32_t *gw_port,
	            struct sg_error *err);
	void *arg;
	const char *host; /* the advertised host, NUL-terminated */
};

/* 1 when responses of `api_key` at `version` can carry addresses. */
int kaddr_applies(int api_key, int version);

/* Rewrites the response `frame` to a request of `api_key` / `version`.
 * Returns 1 with the new frame appended to `out`; 0 when the frame needs no
 * change (a Produce or Fetch response without NodeEndpoints; nothing
 * written); -1 with `err` set when the frame does not parse (SG_ECORRUPT),
 * the version is newer than the gateway knows, the map refuses, or `out`
 * hits its limit. */
int kaddr_rewrite(int api_key, int version, const uint8_t *frame, size_t len,
                  const struct kaddr_map *map, struct kwriter *out, struct sg_error *err);

#endif
