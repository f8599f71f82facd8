/* registry/leader.h: who writes in a registry cluster. The nodes of one
 * cluster (one --group-id) elect one leader through a Kafka consumer group,
 * and every node knows the leader's URL, so that it can forward writes there
 * (registry/forward.h).
 *
 * Election: each node that may lead (leader_options.eligible) joins the
 * consumer group `group_id` as a member subscribed to the coordination topic
 * (`topic`, default "_schemagate_leader": one partition, compacted; created
 * when absent). The group coordinator assigns its one partition to one
 * member, and that member leads. Assignment is cooperative-sticky, so a node
 * that joins later does not take partition 0 from the leader; the partition
 * moves only when its holder leaves the group (a clean close), or when the
 * coordinator evicts it because it sent no heartbeat for the session timeout
 * (a crash, kill -9, SIGSTOP, a network cut). A node that may not lead never
 * joins the group.
 *
 * The leader's URL: on gaining partition 0 the new leader reads the
 * coordination topic to its end, then writes one record there, keyed by the
 * group id, whose value is {"url":...,"epoch":N,"member":...}: its advertised
 * URL, an epoch one past the highest it read, and its member id in the group.
 * Every node (eligible or not) reads that topic without joining the group,
 * and asks the coordinator for the group's members every refresh_ms
 * (DescribeConsumerGroups). The leader is known when the member that holds
 * partition 0 is the member of the newest record. While the group
 * rebalances, the last known leader stays known as long as it is still a
 * member. When the group is empty, when the holder of partition 0 has not
 * published its record yet, or while nothing could be read, the leader is
 * unknown (forwarding answers Confluent's 50004).
 *
 * Leadership is not enough to write safely, and this module does not claim
 * it is. A leader that is paused (SIGSTOP, a long GC-like stall, a cut
 * network) past the session timeout is evicted and another node leads, but
 * the paused process does not know it until it runs again and hears from the
 * coordinator, and a write it had in flight, or starts at once on waking,
 * would still reach Kafka. What stops that write is the store's fencing
 * (registry/kafkastore): the writer produces each write inside a Kafka
 * transaction, with a transactional.id that every node of the cluster shares.
 * on_gain() is where a node becomes that writer: its init_transactions()
 * bumps the producer epoch at the transaction coordinator, which aborts
 * anything the old writer left open and makes every later produce or commit
 * of the old writer fail as fenced. The old writer, fenced, fails the write
 * (no 200 is sent for it) and steps down; readers read committed, so an
 * aborted write is never applied by any node. Then, before it decides
 * anything, the new writer reads `_schemas` to its last stable offset: every
 * write committed before the fence is in its view, so ids and versions it
 * allocates follow them. Leadership decides who should write; the shared
 * transactional.id decides who can.
 *
 * Callbacks: on_gain(ctx, epoch) is called when this node has published its
 * record and leads; on_lose(ctx) when it stops leading (partition 0 revoked
 * or lost, or leader_close()). Both are called on the module's thread, never
 * at the same time, and alternate (a gain, then a lose, ...). on_gain may
 * block (opening a transactional producer and catching up take seconds):
 * leader_is_leader() stays 0 until it returns 0; when it returns -1 the node
 * gives up partition 0 by leaving and rejoining the group.
 *
 * Threading: leader_start() starts one thread that runs the group member, the
 * reader of the coordination topic and the group look-ups. leader_is_leader()
 * and leader_url() may be called from any thread at any time. leader_close()
 * stops the thread (calling on_lose first when leading) and leaves the group
 * at once, so a successor need not wait for the session timeout.
 *
 * Ownership: leader_new() copies what it needs of the options; leader_close()
 * accepts NULL, and a leader that was never started.
 */
#ifndef SG_LEADER_H
#define SG_LEADER_H

#include <stddef.h>
#include <stdint.h>
#include "compat/error.h"

#define LEADER_DEFAULT_GROUP "schemagate-registry"
#define LEADER_DEFAULT_TOPIC "_schemagate_leader"
/* Longest advertised URL. */
#define LEADER_URL_MAX 512

struct leader_options {
	const char *brokers;  /* "host:port,...", required */
	const char *group_id; /* NULL: LEADER_DEFAULT_GROUP */
	const char *topic;    /* the coordination topic; NULL: LEADER_DEFAULT_TOPIC */
	/* The base URL other nodes forward writes to, e.g. "http://10.0.0.5:8081";
	 * required when eligible. */
	const char *advertised_url;
	int eligible; /* 0: this node never leads (it does not join the group) */
	/* The group's session timeout: how long a silent leader keeps leading;
	 * 0: 6000 (the broker's default minimum, so that a failover after a
	 * crash takes under 10 s). The heartbeat is a sixth of it, so the
	 * members that stay hear of a rebalance soon. */
	unsigned session_timeout_ms;
	unsigned refresh_ms; /* how often the group is looked at; 0: 1000 */
	/* More librdkafka settings for every client this module makes (TLS,
	 * SASL): "key", "value" pairs ending with NULL; may be NULL. */
	const char *const *kafka_config;
	/* Optional; see the top of this file. on_gain returns 0, or -1 when this
	 * node cannot be the writer (it then gives leadership up). */
	int (*on_gain)(void *ctx, int64_t epoch);
	void (*on_lose)(void *ctx);
	void *ctx;
};

struct leader;

/* Two steps, so that the leader can be handed to registry/forward and the
 * API before the node knows its URL (its port) and before its store can
 * write. leader_new() checks and copies the options; nothing happens yet
 * (leader_is_leader() is 0, no leader is known). leader_start() takes the
 * advertised URL (NULL or "": the options'), required when eligible, creates
 * the coordination topic when absent (one partition, cleanup.policy=compact,
 * replication 3 capped by the number of brokers) and starts the module's
 * thread; it does not wait for an election (the brokers may be down for
 * now). Both return NULL or -1 with `err` set when an option is wrong or
 * librdkafka refuses its configuration. leader_open() is both at once. */
struct leader *leader_new(const struct leader_options *o, struct sg_error *err);
int leader_start(struct leader *l, const char *advertised_url, struct sg_error *err);
struct leader *leader_open(const struct leader_options *o, struct sg_error *err);
void leader_close(struct leader *l);

/* 1 when this node leads (its on_gain returned 0 and no on_lose followed),
 * else 0. */
int leader_is_leader(struct leader *l);

/* The leader's URL into `buf` (NUL-terminated; cut at cap - 1) and its epoch
 * into *epoch (may be NULL). Returns 1 when a leader is known (this node
 * included), 0 when none is. */
int leader_url(struct leader *l, char *buf, size_t cap, int64_t *epoch);

/* This node must stop leading (its writer was fenced: another node was
 * elected while this one was not looking): the module's thread steps down
 * (on_lose), leaves the group and joins again later as a follower of
 * whoever holds partition 0. Does not block; any thread. */
void leader_resign(struct leader *l);

/* Waits until a leader is known (this node or another), at most timeout_ms.
 * Returns 1 when one is, else 0. Blocks; any thread. */
int leader_wait(struct leader *l, int timeout_ms);

#endif
