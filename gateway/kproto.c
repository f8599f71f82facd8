/* gateway/kproto.c: Kafka headers, the gateway's API versions, ApiVersions. */
#include "gateway/kproto.h"

#include "compat/error.h"
#include "gateway/kwriter.h"

/* One row per API key: its name and the first version that uses flexible
 * encodings (-1: never). From the message definitions of Apache Kafka 4.1
 * (and 3.x for the inter-broker keys 4-7 that 4.x removed). */
static const struct {
	const char *name;
	int16_t first_flexible;
} kproto_apis[] = {
    [0] = {"Produce", 9},
    [1] = {"Fetch", 12},
    [2] = {"ListOffsets", 6},
    [3] = {"Metadata", 9},
    [4] = {"LeaderAndIsr", 4},
    [5] = {"StopReplica", 2},
    [6] = {"UpdateMetadata", 6},
    [7] = {"ControlledShutdown", 3},
    [8] = {"OffsetCommit", 8},
    [9] = {"OffsetFetch", 6},
    [10] = {"FindCoordinator", 3},
    [11] = {"JoinGroup", 6},
    [12] = {"Heartbeat", 4},
    [13] = {"LeaveGroup", 4},
    [14] = {"SyncGroup", 4},
    [15] = {"DescribeGroups", 5},
    [16] = {"ListGroups", 3},
    [17] = {"SaslHandshake", -1},
    [18] = {"ApiVersions", 3},
    [19] = {"CreateTopics", 5},
    [20] = {"DeleteTopics", 4},
    [21] = {"DeleteRecords", 2},
    [22] = {"InitProducerId", 2},
    [23] = {"OffsetForLeaderEpoch", 4},
    [24] = {"AddPartitionsToTxn", 3},
    [25] = {"AddOffsetsToTxn", 3},
    [26] = {"EndTxn", 3},
    [27] = {"WriteTxnMarkers", 1},
    [28] = {"TxnOffsetCommit", 3},
    [29] = {"DescribeAcls", 2},
    [30] = {"CreateAcls", 2},
    [31] = {"DeleteAcls", 2},
    [32] = {"DescribeConfigs", 4},
    [33] = {"AlterConfigs", 2},
    [34] = {"AlterReplicaLogDirs", 2},
    [35] = {"DescribeLogDirs", 2},
    [36] = {"SaslAuthenticate", 2},
    [37] = {"CreatePartitions", 2},
    [38] = {"CreateDelegationToken", 2},
    [39] = {"RenewDelegationToken", 2},
    [40] = {"ExpireDelegationToken", 2},
    [41] = {"DescribeDelegationToken", 2},
    [42] = {"DeleteGroups", 2},
    [43] = {"ElectLeaders", 2},
    [44] = {"IncrementalAlterConfigs", 1},
    [45] = {"AlterPartitionReassignments", 0},
    [46] = {"ListPartitionReassignments", 0},
    [47] = {"OffsetDelete", -1},
    [48] = {"DescribeClientQuotas", 1},
    [49] = {"AlterClientQuotas", 1},
    [50] = {"DescribeUserScramCredentials", 0},
    [51] = {"AlterUserScramCredentials", 0},
    [52] = {"Vote", 0},
    [53] = {"BeginQuorumEpoch", 1},
    [54] = {"EndQuorumEpoch", 1},
    [55] = {"DescribeQuorum", 0},
    [56] = {"AlterPartition", 0},
    [57] = {"UpdateFeatures", 0},
    [58] = {"Envelope", 0},
    [59] = {"FetchSnapshot", 0},
    [60] = {"DescribeCluster", 0},
    [61] = {"DescribeProducers", 0},
    [62] = {"BrokerRegistration", 0},
    [63] = {"BrokerHeartbeat", 0},
    [64] = {"UnregisterBroker", 0},
    [65] = {"DescribeTransactions", 0},
    [66] = {"ListTransactions", 0},
    [67] = {"AllocateProducerIds", 0},
    [68] = {"ConsumerGroupHeartbeat", 0},
    [69] = {"ConsumerGroupDescribe", 0},
    [70] = {"ControllerRegistration", 0},
    [71] = {"GetTelemetrySubscriptions", 0},
    [72] = {"PushTelemetry", 0},
    [73] = {"AssignReplicasToDirs", 0},
    [74] = {"ListConfigResources", 0},
    [75] = {"DescribeTopicPartitions", 0},
    [76] = {"ShareGroupHeartbeat", 0},
    [77] = {"ShareGroupDescribe", 0},
    [78] = {"ShareFetch", 0},
    [79] = {"ShareAcknowledge", 0},
    [80] = {"AddRaftVoter", 0},
    [81] = {"RemoveRaftVoter", 0},
    [82] = {"UpdateRaftVoter", 0},
    [83] = {"InitializeShareGroupState", 0},
    [84] = {"ReadShareGroupState", 0},
    [85] = {"WriteShareGroupState", 0},
    [86] = {"DeleteShareGroupState", 0},
    [87] = {"ReadShareGroupStateSummary", 0},
    [88] = {"StreamsGroupHeartbeat", 0},
    [89] = {"StreamsGroupDescribe", 0},
    [90] = {"DescribeShareGroupOffsets", 0},
    [91] = {"AlterShareGroupOffsets", 0},
    [92] = {"DeleteShareGroupOffsets", 0},
};

#define KPROTO_NAPIS ((int)(sizeof kproto_apis / sizeof kproto_apis[0]))

const char *kproto_api_name(int api_key)
{
	if (api_key < 0 || api_key >= KPROTO_NAPIS || !kproto_apis[api_key].name)
		return "Unknown";
	return kproto_apis[api_key].name;
}

int kproto_flexible(int api_key, int version)
{
	int first;
	if (api_key < 0 || api_key >= KPROTO_NAPIS || !kproto_apis[api_key].name)
		return -1;
	first = kproto_apis[api_key].first_flexible;
	return first >= 0 && version >= first;
}

int kproto_gateway_versions(int api_key, int16_t *min, int16_t *max)
{
	*min = 0;
	*max = INT16_MAX;
	switch (api_key) {
	case KPROTO_PRODUCE:
		*max = 12; /* v13 names topics by id */
		return 1;
	case KPROTO_FETCH:
		*max = 18; /* newest layout kaddr parses for NodeEndpoints */
		return 1;
	case KPROTO_METADATA:
		*max = 13;
		return 1;
	case KPROTO_FIND_COORDINATOR:
		*max = 6;
		return 1;
	case KPROTO_API_VERSIONS:
		*max = 4;
		return 1;
	case KPROTO_DESCRIBE_CLUSTER:
		*max = 2;
		return 1;
	case KPROTO_DESCRIBE_QUORUM:
		*max = 1; /* v2 adds the controllers' listener addresses */
		return 1;
	case KPROTO_SHARE_FETCH:
	case KPROTO_SHARE_ACKNOWLEDGE:
		return 0; /* their NodeEndpoints are not rewritten yet */
	default:
		return api_key >= 0;
	}
}

int kproto_gateway_accepts(int api_key, int version)
{
	int16_t min, max;
	if (!kproto_gateway_versions(api_key, &min, &max) || version < min || version > max)
		return 0;
	/* After SaslHandshake v0 the client sends raw SASL tokens without a
	 * request header, which the proxy cannot follow. */
	return !(api_key == KPROTO_SASL_HANDSHAKE && version == 0);
}

int kproto_request_parse(const uint8_t *frame, size_t len, struct kproto_request *req,
                         struct sg_error *err)
{
	struct kreader r;

	kreader_init(&r, frame, len);
	req->api_key = kreader_i16(&r);
	req->api_version = kreader_i16(&r);
	req->correlation_id = kreader_i32(&r);
	req->client_id = kreader_string(&r);
	req->expects_response = 1;
	req->acks = 1;
	req->body_offset = 0;
	req->flexible = -1;
	if (kreader_ok(&r) && (req->api_key < 0 || req->api_version < 0))
		kreader_fail(&r, "negative API key or version");
	if (kreader_error(&r, err, "request header") < 0)
		return -1;
	req->flexible = kproto_flexible(req->api_key, req->api_version);
	if (req->flexible == 1)
		kreader_skip_tags(&r);
	if (kreader_error(&r, err, "request header") < 0)
		return -1;
	if (req->flexible >= 0)
		req->body_offset = kreader_offset(&r);
	if (req->api_key == KPROTO_PRODUCE) {
		if (req->api_version >= 3) {
			if (req->flexible)
				(void)kreader_compact_string(&r);
			else
				(void)kreader_string(&r);
		}
		req->acks = kreader_i16(&r);
		if (kreader_error(&r, err, "Produce request") < 0)
			return -1;
		req->expects_response = req->acks != 0;
	}
	return 0;
}

int kproto_response_correlation(const uint8_t *frame, size_t len, int32_t *cid,
                                struct sg_error *err)
{
	struct kreader r;
	kreader_init(&r, frame, len);
	*cid = kreader_i32(&r);
	return kreader_error(&r, err, "response header");
}

/* Walks an ApiVersions response laid out as `version`. With `out` NULL it
 * only checks that the whole frame parses and returns the number of API
 * entries that survive the intersection (or -1); with `out` it writes the
 * narrowed response, given that count in `kept`. When `av` is not NULL it
 * receives the narrowed range of ApiVersions itself (left alone if absent). */
static int kproto_av_walk(int version, const uint8_t *frame, size_t len, struct kwriter *out,
                          int32_t kept, int16_t av[2])
{
	struct kreader r, mark;
	int flex = version >= 3;
	int32_t n, count = 0;

	kreader_init(&r, frame, len);
	mark = r;
	(void)kreader_i32(&r); /* correlation id; header v0 in every version */
	(void)kreader_i16(&r); /* error code */
	if (out) {
		struct kslice head = {kreader_take(&mark, kreader_offset(&r)),
		                      (int32_t)kreader_offset(&r)};
		kwriter_raw(out, head.p, (size_t)head.len);
		if (flex)
			kwriter_compact_array_len(out, kept);
		else
			kwriter_array_len(out, kept);
	}
	n = flex ? kreader_compact_array_len(&r) : kreader_array_len(&r);
	if (n < 0)
		kreader_fail(&r, "null ApiKeys");
	for (int32_t i = 0; i < n && kreader_ok(&r); i++) {
		int16_t key = kreader_i16(&r);
		int16_t bmin = kreader_i16(&r);
		int16_t bmax = kreader_i16(&r);
		int16_t gmin, gmax, lo, hi;
		struct kreader tags = r;
		struct kslice rawtags = {NULL, 0};

		if (flex) {
			kreader_skip_tags(&r);
			rawtags.len = (int32_t)(kreader_offset(&r) - kreader_offset(&tags));
			rawtags.p = kreader_take(&tags, (size_t)rawtags.len);
		}
		if (!kreader_ok(&r) || !kproto_gateway_versions(key, &gmin, &gmax))
			continue;
		lo = bmin > gmin ? bmin : gmin;
		hi = bmax < gmax ? bmax : gmax;
		if (lo > hi)
			continue;
		count++;
		if (av && key == KPROTO_API_VERSIONS) {
			av[0] = lo;
			av[1] = hi;
		}
		if (out) {
			kwriter_i16(out, key);
			kwriter_i16(out, lo);
			kwriter_i16(out, hi);
			if (flex)
				kwriter_raw(out, rawtags.p, (size_t)rawtags.len);
		}
	}
	if (out) {
		size_t rest = kreader_remaining(&r);
		kwriter_raw(out, kreader_take(&r, rest), rest);
		return kreader_ok(&r) && kwriter_ok(out) ? count : -1;
	}
	if (version >= 1)
		(void)kreader_i32(&r); /* throttle time */
	if (flex)
		kreader_skip_tags(&r);
	if (kreader_ok(&r) && kreader_remaining(&r) != 0)
		kreader_fail(&r, "trailing bytes");
	return kreader_ok(&r) ? count : -1;
}

/* Writes an error answer to ApiVersions in the layout of `version`, listing
 * ApiVersions itself as [lo, hi]. */
static int kproto_av_error(int32_t correlation_id, int version, int16_t code, int16_t lo,
                           int16_t hi, struct kwriter *out, struct sg_error *err)
{
	int flex = version >= 3;
	kwriter_i32(out, correlation_id);
	kwriter_i16(out, code);
	if (flex)
		kwriter_compact_array_len(out, 1);
	else
		kwriter_array_len(out, 1);
	kwriter_i16(out, KPROTO_API_VERSIONS);
	kwriter_i16(out, lo);
	kwriter_i16(out, hi);
	if (flex)
		kwriter_no_tags(out);
	if (version >= 1)
		kwriter_i32(out, 0); /* throttle time */
	if (flex)
		kwriter_no_tags(out);
	return kwriter_error(out, err, "ApiVersions response");
}

int kproto_api_versions_rewrite(int version, const uint8_t *frame, size_t len, struct kwriter *out,
                                struct sg_error *err)
{
	struct kreader r;
	int16_t code, min, max, av[2] = {0, 0};
	int32_t cid;
	int kept;

	kreader_init(&r, frame, len);
	cid = kreader_i32(&r);
	code = kreader_i16(&r);
	if (kreader_error(&r, err, "ApiVersions response") < 0)
		return -1;
	if (version < 0 || !kproto_gateway_versions(KPROTO_API_VERSIONS, &min, &max) ||
	    version > max)
		return error_set(err, SG_ECORRUPT, "ApiVersions v%d responses are not supported",
		                 version);
	if (code == KPROTO_ERR_UNSUPPORTED_VERSION) {
		/* Brokers answer a too-new request in the v0 layout, and clients
		 * expect that one (kafka-python decodes only it); librdkafka 2.0.2's
		 * mock writes neither layout. Answer in the v0 layout, with the
		 * broker's ApiVersions range if it can be read, else v0 only, which
		 * every broker speaks. */
		if (kproto_av_walk(0, frame, len, NULL, 0, av) < 0)
			(void)kproto_av_walk(version, frame, len, NULL, 0, av);
		return kproto_av_error(cid, 0, code, av[0], av[1], out, err) < 0 ? -1 : 1;
	}
	kept = kproto_av_walk(version, frame, len, NULL, 0, NULL);
	if (kept < 0)
		return error_set(err, SG_ECORRUPT, "ApiVersions v%d response does not parse",
		                 version);
	if (kproto_av_walk(version, frame, len, out, kept, NULL) < 0)
		return kwriter_error(out, err, "ApiVersions response") < 0
		           ? -1
		           : error_set(err, SG_ECORRUPT, "ApiVersions response does not parse");
	return 1;
}

int kproto_api_versions_unsupported(int32_t correlation_id, struct kwriter *out,
                                    struct sg_error *err)
{
	int16_t min, max;
	kproto_gateway_versions(KPROTO_API_VERSIONS, &min, &max);
	return kproto_av_error(correlation_id, 0, KPROTO_ERR_UNSUPPORTED_VERSION, min, max, out,
	                       err);
}
