/* fuzz/fuzz_kproto.c: the request codec and the response rewriters of the
 * gateway (gateway/kproto, gateway/kaddr).
 *
 * Input: byte 0 picks the target: 0 parses a request header; 1-6 rewrite a
 * response of Metadata, FindCoordinator, DescribeCluster, Produce, Fetch or
 * ApiVersions; byte 1 is the version; the rest is the frame. Checks:
 *   - a parsed request's body offset lies inside the frame;
 *   - a rewriter either leaves the frame alone (0, nothing written), fails
 *     with an error set (-1), or writes a frame (1) that rewrites again to
 *     the very same bytes (the addresses are already the gateway's), and
 *     whose size is bounded by the input's.
 * Seeds: fuzz/corpus/kproto/ (responses of a real Kafka 4.1 broker).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/kaddr.h"
#include "gateway/kproto.h"
#include "gateway/kwriter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HOST "gateway.fuzz.example"

static int map_node(void *arg, int32_t id, struct kslice host, int32_t port, int32_t *gw_port,
                    struct sg_error *err)
{
	(void)arg;
	(void)port;
	if (host.len < 0)
		abort(); /* kaddr never hands the map a null host */
	if (id > 5000)
		return error_set(err, SG_ELIMIT, "node id %d refused", (int)id);
	*gw_port = 30000 + id;
	return 0;
}

static int rewrite(int key, int version, const uint8_t *p, size_t n, struct kwriter *out,
                   struct sg_error *err)
{
	struct kaddr_map map = {map_node, NULL, FUZZ_HOST};
	if (key == KPROTO_API_VERSIONS)
		return kproto_api_versions_rewrite(version, p, n, out, err);
	return kaddr_rewrite(key, version, p, n, &map, out, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int keys[] = {
	    KPROTO_METADATA, KPROTO_FIND_COORDINATOR, KPROTO_DESCRIBE_CLUSTER, KPROTO_PRODUCE,
	    KPROTO_FETCH,    KPROTO_API_VERSIONS};
	struct kwriter out, again;
	struct sg_error err;
	int key, version, rc, rc2;

	if (size < 2)
		return 0;
	error_clear(&err);
	if (data[0] == 0) {
		struct kproto_request req;
		if (kproto_request_parse(data + 1, size - 1, &req, &err) == 0) {
			if (req.body_offset > size - 1 ||
			    (req.expects_response != (req.acks != 0) &&
			     req.api_key == KPROTO_PRODUCE))
				abort();
		} else if (err.code == SG_OK) {
			abort();
		}
		return 0;
	}
	key = keys[data[0] % 6];
	version = data[1] % 21;
	data += 2;
	size -= 2;

	kwriter_init(&out, (size_t)64 << 20);
	rc = rewrite(key, version, data, size, &out, &err);
	if (rc == 0 && out.len != 0)
		abort();
	if (rc < 0 && err.code == SG_OK)
		abort();
	if (rc == 1) {
		/* Each rewritten host grows by at most the advertised host's length. */
		if (out.len > size + (size + 1) * (sizeof FUZZ_HOST + 4))
			abort();
		kwriter_init(&again, (size_t)64 << 20);
		error_clear(&err);
		rc2 = rewrite(key, version, out.buf, out.len, &again, &err);
		if (rc2 != 1 || again.len != out.len || memcmp(again.buf, out.buf, out.len) != 0)
			abort();
		kwriter_free(&again);
	}
	kwriter_free(&out);
	return 0;
}
