/* gateway/kproto.h: Kafka request and response headers, the API versions the
 * gateway speaks, and its answer to ApiVersions.
 *
 * Frames here are whole Kafka messages without their 4-byte size prefix.
 * Every parser reads through a kreader; every writer through a kwriter.
 * Nothing here does I/O or allocates, except into a caller's kwriter.
 *
 * Layouts follow apache/kafka clients/src/main/resources/common/message/
 * (RequestHeader, ResponseHeader, ApiVersionsResponse, ProduceRequest).
 *
 * Ownership: slices in a parsed request are borrowed from the frame.
 */
#ifndef SG_KPROTO_H
#define SG_KPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/kreader.h"

struct kwriter;
struct sg_error;

/* API keys the gateway treats specially. */
enum {
	KPROTO_PRODUCE = 0,
	KPROTO_FETCH = 1,
	KPROTO_METADATA = 3,
	KPROTO_FIND_COORDINATOR = 10,
	KPROTO_SASL_HANDSHAKE = 17,
	KPROTO_API_VERSIONS = 18,
	KPROTO_SASL_AUTHENTICATE = 36,
	KPROTO_DESCRIBE_QUORUM = 55,
	KPROTO_DESCRIBE_CLUSTER = 60,
	KPROTO_SHARE_FETCH = 78,
	KPROTO_SHARE_ACKNOWLEDGE = 79
};

/* Kafka error code UNSUPPORTED_VERSION. */
#define KPROTO_ERR_UNSUPPORTED_VERSION 35

/* The header of a request, plus the one body field the proxy needs. */
struct kproto_request {
	int16_t api_key;
	int16_t api_version;
	int32_t correlation_id;
	struct kslice client_id; /* borrowed; len -1 for a null client id */
	int flexible;            /* 1: header v2 and compact body encodings; -1: unknown API */
	size_t body_offset;      /* where the body starts; 0 when flexible == -1 */
	int expects_response;    /* 0 only for Produce with acks=0 */
	int16_t acks;            /* Produce only: the request's acks; 1 for other APIs */
};

/* Parses the request header of `frame` (`len` bytes). For Produce it also
 * reads transactional_id and acks. Returns 0, or -1 with `err` set
 * (SG_ECORRUPT) when the header is truncated or malformed. */
int kproto_request_parse(const uint8_t *frame, size_t len, struct kproto_request *req,
                         struct sg_error *err);

/* Name of an API ("Produce"), or "Unknown" for keys the table lacks. */
const char *kproto_api_name(int api_key);

/* 1 when `version` of `api_key` uses flexible encodings (compact strings,
 * tagged fields, header v2 / v1), 0 when not, -1 when the API is unknown. */
int kproto_flexible(int api_key, int version);

/* The versions of `api_key` the gateway advertises: returns 1 and sets
 * *min / *max, or 0 when the gateway does not offer the API at all (then
 * ApiVersions leaves it out and a request for it is refused). APIs whose
 * responses the gateway rewrites are capped at the newest layout it parses;
 * Produce is capped at v12 (v13 names topics by id); DescribeQuorum at v1
 * (v2 lists the controllers' listener addresses, which clients cannot reach
 * through the gateway); every other API passes through at any version. */
int kproto_gateway_versions(int api_key, int16_t *min, int16_t *max);

/* 1 when the gateway carries a request of `api_key` at `version`: within
 * kproto_gateway_versions(), except SaslHandshake v0, which is advertised
 * (librdkafka turns SASL off unless v0 is in the broker's range, then sends
 * v1) but refused, since raw SASL tokens without request headers follow it. */
int kproto_gateway_accepts(int api_key, int version);

/* Reads the correlation id at the start of a response frame. Returns 0, or
 * -1 with `err` set when the frame is shorter than 4 bytes. */
int kproto_response_correlation(const uint8_t *frame, size_t len, int32_t *cid,
                                struct sg_error *err);

/* Writes into `out` the broker's ApiVersions response `frame` (an answer to
 * a request of version `version`) with each API's range narrowed to the
 * intersection with kproto_gateway_versions(); APIs with an empty
 * intersection are dropped. Everything else (error code, throttle time,
 * features in tagged fields) is copied unchanged.
 * An UNSUPPORTED_VERSION answer is written anew in the v0 layout, the one
 * brokers use and clients expect (librdkafka 2.0.2's mock cluster writes a
 * malformed one that kafka-python cannot read); it lists ApiVersions with
 * the broker's range if that can be read, else v0 only. Returns 1 after
 * writing, or -1 with `err` set when the frame does not parse or `version`
 * is above the gateway's. */
int kproto_api_versions_rewrite(int version, const uint8_t *frame, size_t len, struct kwriter *out,
                                struct sg_error *err);

/* Writes the gateway's own answer to an ApiVersions request whose version is
 * above the gateway's: a v0-layout response with UNSUPPORTED_VERSION and the
 * ApiVersions range the gateway supports, as Kafka brokers do. */
int kproto_api_versions_unsupported(int32_t correlation_id, struct kwriter *out,
                                    struct sg_error *err);

#endif
