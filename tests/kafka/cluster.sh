#!/usr/bin/env bash
# tests/kafka/cluster.sh: the gateway in front of three real Kafka brokers
# (node ids 1-3, one KRaft quorum). Each node gets a gateway port of its own
# (base + id); a topic with 3 partitions has one leader on each broker, and
# a Produce for a partition is accepted only on its leader's port, which
# proves each port leads to the right broker. Prints TAP.
. "$(dirname "$0")/lib.sh"

kt_prepare
KT_PARTITIONS=3
kt_start_kafka 3 || { kt_ok 1 "three Kafka brokers start"; kt_done; exit 1; }
kt_start_gateway || { kt_ok 1 "the gateway starts"; kt_done; exit 1; }
GW=$KT_GW
kt_diag "brokers $KT_BROKERS, gateway $GW, node ports $((KT_GW_BASE + 1))-$((KT_GW_BASE + 3))"

kt_relay "kwire ports" python3 "$KT_SRC/tests/kafka/kwire.py" ports "$GW" "127.0.0.1:$KT_PORT_1" \
	"$KT_GW_BASE" kt-three
kt_relay "kwire addresses" python3 "$KT_SRC/tests/kafka/kwire.py" addresses "$GW" 127.0.0.1 \
	"$KT_GW_BASE" 1,2,3

# kcat to every partition through the gateway, read back straight from the brokers.
for p in 0 1 2; do
	seq -f "p$p-%g" 1 30 >"$KT_WORK/in.$p"
	kcat -b "$GW" -P -t kt-spread -p "$p" -X request.required.acks=-1 <"$KT_WORK/in.$p" 2>"$KT_WORK/kcat.err" ||
		sed 's/^/#   /' "$KT_WORK/kcat.err"
	kcat -b "$KT_BROKERS" -C -t kt-spread -p "$p" -o beginning -e -q >"$KT_WORK/out.$p" 2>/dev/null
	kt_check "kcat: partition $p produced through the gateway, read back from the brokers" \
		cmp -s "$KT_WORK/in.$p" "$KT_WORK/out.$p"
done
kcat -b "$GW" -G kt-spread-group kt-spread -o beginning -e -q >"$KT_WORK/group.out" 2>/dev/null
kt_check "kcat -G across the three brokers through the gateway reads all 90 records" \
	cmp -s <(sort "$KT_WORK"/in.*) <(sort "$KT_WORK/group.out")
kt_is "$(grep -c 'is served on' "$KT_GW_LOG")" 3 "the gateway opened one port per node"

kill "$KT_GW_PID"
wait "$KT_GW_PID"
kt_is "$?" 0 "the gateway stops cleanly on SIGTERM"
kt_done
