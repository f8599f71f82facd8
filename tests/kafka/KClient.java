// tests/kafka/KClient.java: the Java producer, consumer and admin client as
// real peers of the gateway (kafka-clients from Maven, see pom.xml). Compiled
// and run by tests/kafka/lib.sh; prints unnumbered TAP lines ("ok - ...",
// "not ok - ...") that the calling script renumbers.
//
//   KClient suite GATEWAY BROKER NODES
//     GATEWAY  bootstrap address of the gateway
//     BROKER   bootstrap address of the broker, to read back directly
//     NODES    what DescribeCluster through the gateway must list,
//              "id=host:port,..." sorted by id
//
//   KClient secure GATEWAY BROKER TOPIC PROPS LABEL
//     produces through the gateway and consumes back through it with the
//     client settings of the Java properties file PROPS (security.protocol,
//     ssl.truststore.*, sasl.*; ssl.endpoint.identification.algorithm stays
//     Kafka's default, https, unless PROPS sets it), reading back straight
//     from BROKER (plaintext) too
//   KClient refused GATEWAY PROPS REGEX LABEL
//     a producer with PROPS cannot send through the gateway, and the chain
//     of causes of its error matches the Java regex REGEX
//
// Every record is produced through the gateway and read back straight from
// the broker, where its key, value and headers must be byte-identical.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class KClient {
    private static int failures;

    private static void ok(boolean cond, String what) {
        System.out.println((cond ? "ok - " : "not ok - ") + "java: " + what);
        System.out.flush();
        if (!cond)
            failures++;
    }

    private static void diag(String s) {
        System.out.println("# " + s);
    }

    /** One record as bytes: key, value, and headers flattened. */
    private record Rec(byte[] key, byte[] value, List<String> headerKeys, List<byte[]> headerValues) {
        boolean same(Rec o) {
            if (!Arrays.equals(key, o.key) || !Arrays.equals(value, o.value)
                    || !headerKeys.equals(o.headerKeys) || headerValues.size() != o.headerValues.size())
                return false;
            for (int i = 0; i < headerValues.size(); i++)
                if (!Arrays.equals(headerValues.get(i), o.headerValues.get(i)))
                    return false;
            return true;
        }
    }

    private static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return p;
    }

    private static Properties consumerProps(String bootstrap, String group, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (group != null)
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        return p;
    }

    private static List<Rec> makeRecords(int n, long seed) {
        Random r = new Random(seed);
        List<Rec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[1 + r.nextInt(16)];
            byte[] value = new byte[r.nextInt(3000)];
            r.nextBytes(key);
            r.nextBytes(value);
            if (i % 3 == 0) // compressible too
                Arrays.fill(value, 0, value.length / 2, (byte) 'a');
            byte[] hv = new byte[r.nextInt(8)];
            r.nextBytes(hv);
            out.add(new Rec(key, value, List.of("h" + i, "empty"), Arrays.asList(hv, new byte[0])));
        }
        return out;
    }

    private static void produce(Properties props, String topic, List<Rec> recs) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            for (Rec rec : recs) {
                ProducerRecord<byte[], byte[]> pr = new ProducerRecord<>(topic, 0, rec.key, rec.value);
                for (int i = 0; i < rec.headerKeys.size(); i++)
                    pr.headers().add(rec.headerKeys.get(i), rec.headerValues.get(i));
                p.send(pr);
            }
            p.flush();
        }
    }

    private static Rec toRec(ConsumerRecord<byte[], byte[]> cr) {
        List<String> hk = new ArrayList<>();
        List<byte[]> hv = new ArrayList<>();
        for (Header h : cr.headers()) {
            hk.add(h.key());
            hv.add(h.value() == null ? new byte[0] : h.value());
        }
        return new Rec(cr.key(), cr.value(), hk, hv);
    }

    /** Reads partition 0 of `topic` from the start until `want` records or a timeout. */
    private static List<Rec> readBack(String bootstrap, String topic, int want, String isolation) {
        List<Rec> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrap, null, isolation))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = System.currentTimeMillis() + 20000;
            while (got.size() < want && System.currentTimeMillis() < end)
                for (ConsumerRecord<byte[], byte[]> cr : c.poll(Duration.ofMillis(300)))
                    got.add(toRec(cr));
            // A little longer, to catch records that should not be there.
            for (ConsumerRecord<byte[], byte[]> cr : c.poll(Duration.ofMillis(500)))
                got.add(toRec(cr));
        }
        return got;
    }

    private static boolean sameRecords(List<Rec> a, List<Rec> b) {
        if (a.size() != b.size()) {
            diag("  " + b.size() + " records, want " + a.size());
            return false;
        }
        for (int i = 0; i < a.size(); i++)
            if (!a.get(i).same(b.get(i))) {
                diag("  record " + i + " differs");
                return false;
            }
        return true;
    }

    private static void codecs(String gw, String broker) throws Exception {
        String[] codecs = {"none", "gzip", "snappy", "lz4", "zstd"};
        for (int k = 0; k < codecs.length; k++) {
            String topic = "java-" + codecs[k];
            List<Rec> recs = makeRecords(40, 1000 + k);
            Properties props = producerProps(gw);
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codecs[k]);
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
            try {
                produce(props, topic, recs);
                ok(sameRecords(recs, readBack(broker, topic, recs.size(), "read_uncommitted")),
                   "compression " + codecs[k] + ": produced through the gateway, byte-identical on the broker");
                ok(sameRecords(recs, readBack(gw, topic, recs.size(), "read_uncommitted")),
                   "compression " + codecs[k] + ": consumed through the gateway");
            } catch (Exception e) {
                ok(false, "compression " + codecs[k] + ": " + e);
            }
        }
    }

    private static void idempotent(String gw, String broker) {
        String topic = "java-idempotent";
        List<Rec> recs = makeRecords(300, 7);
        Properties props = producerProps(gw);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "4096");
        try {
            produce(props, topic, recs);
            ok(sameRecords(recs, readBack(broker, topic, recs.size(), "read_uncommitted")),
               "idempotent producer (5 in flight): every record once, in order, on the broker");
        } catch (Exception e) {
            ok(false, "idempotent producer: " + e);
        }
    }

    private static void transactions(String gw, String broker) {
        String topic = "java-tx";
        List<Rec> committed = makeRecords(10, 11);
        List<Rec> aborted = makeRecords(7, 12);
        Properties props = producerProps(gw);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "kt-java-tx");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            p.initTransactions();
            p.beginTransaction();
            for (Rec r : committed)
                p.send(new ProducerRecord<>(topic, 0, r.key, r.value, toHeaders(r)));
            p.commitTransaction();
            p.beginTransaction();
            for (Rec r : aborted)
                p.send(new ProducerRecord<>(topic, 0, r.key, r.value, toHeaders(r)));
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            for (Rec r : committed)
                p.send(new ProducerRecord<>(topic, 0, r.key, r.value, toHeaders(r)));
            p.commitTransaction();
        } catch (Exception e) {
            ok(false, "transactional producer: " + e);
            return;
        }
        List<Rec> want = new ArrayList<>(committed);
        want.addAll(committed);
        ok(sameRecords(want, readBack(broker, topic, want.size(), "read_committed")),
           "transactions: read_committed on the broker sees the two committed transactions only");
        List<Rec> all = new ArrayList<>(committed);
        all.addAll(aborted);
        all.addAll(committed);
        ok(sameRecords(all, readBack(broker, topic, all.size(), "read_uncommitted")),
           "transactions: the aborted records were written too (read_uncommitted)");
        ok(sameRecords(want, readBack(gw, topic, want.size(), "read_committed")),
           "transactions: read_committed through the gateway");
    }

    private static Iterable<Header> toHeaders(Rec r) {
        List<Header> hs = new ArrayList<>();
        for (int i = 0; i < r.headerKeys.size(); i++) {
            String k = r.headerKeys.get(i);
            byte[] v = r.headerValues.get(i);
            hs.add(new org.apache.kafka.common.header.internals.RecordHeader(k, v));
        }
        return hs;
    }

    private static void group(String gw, String broker, String protocol) {
        String topic = "java-group-" + protocol;
        String groupId = "kt-java-group-" + protocol;
        List<Rec> recs = makeRecords(25, 21);
        try {
            Properties props = producerProps(gw);
            produce(props, topic, recs);
            List<Rec> got = new ArrayList<>();
            Properties cp = consumerProps(gw, groupId, "read_committed");
            cp.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
                c.subscribe(List.of(topic));
                long end = System.currentTimeMillis() + 30000;
                while (got.size() < recs.size() && System.currentTimeMillis() < end)
                    for (ConsumerRecord<byte[], byte[]> cr : c.poll(Duration.ofMillis(300)))
                        got.add(toRec(cr));
                c.commitSync();
                ok(sameRecords(recs, got), "consumer group (" + protocol + " protocol): joined and fetched through the gateway");
            }
            Properties ap = new Properties();
            ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
            try (Admin a = Admin.create(ap)) {
                Map<TopicPartition, OffsetAndMetadata> off =
                    a.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
                OffsetAndMetadata om = off.get(new TopicPartition(topic, 0));
                ok(om != null && om.offset() == recs.size(),
                   "consumer group (" + protocol + "): offset " + recs.size() + " committed, as the broker sees it");
            }
        } catch (Exception e) {
            ok(false, "consumer group (" + protocol + "): " + e);
        }
    }

    private static void admin(String gw, String nodes) {
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, gw);
        try (Admin a = Admin.create(ap)) {
            Collection<Node> ns = a.describeCluster().nodes().get();
            TreeMap<Integer, String> m = new TreeMap<>();
            for (Node n : ns)
                m.put(n.id(), n.host() + ":" + n.port());
            String got = m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
            ok(got.equals(nodes), "admin describeCluster through the gateway lists only gateway addresses (" + got + ")");
            a.createTopics(List.of(new NewTopic("java-admin-created", 1, (short) 1))).all().get();
            ok(a.listTopics().names().get().contains("java-admin-created"), "admin createTopics/listTopics through the gateway");
        } catch (Exception e) {
            ok(false, "admin: " + e);
        }
    }

    /** The settings of a Java properties file. */
    private static Properties load(String file) throws java.io.IOException {
        Properties p = new Properties();
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(file))) {
            p.load(r);
        }
        return p;
    }

    /** "Class: message <- Class: message ..." of an exception and its causes. */
    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause())
            b.append(b.length() > 0 ? " <- " : "").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        return b.toString();
    }

    private static void secure(String gw, String broker, String topic, Properties sec, String label) {
        List<Rec> recs = makeRecords(30, 31);
        Properties pp = producerProps(gw);
        pp.putAll(sec);
        pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "40000");
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        try {
            produce(pp, topic, recs);
        } catch (Exception e) {
            ok(false, label + ": produce through the gateway: " + chain(e));
            return;
        }
        ok(sameRecords(recs, readBack(broker, topic, recs.size(), "read_uncommitted")),
           label + ": produced through the gateway, byte-identical on the broker");
        List<Rec> got = new ArrayList<>();
        Properties cp = consumerProps(gw, null, "read_uncommitted");
        cp.putAll(sec);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = System.currentTimeMillis() + 20000;
            while (got.size() < recs.size() && System.currentTimeMillis() < end)
                for (ConsumerRecord<byte[], byte[]> cr : c.poll(Duration.ofMillis(300)))
                    got.add(toRec(cr));
            ok(sameRecords(recs, got), label + ": consumed back through the gateway");
        } catch (Exception e) {
            ok(false, label + ": consume through the gateway: " + chain(e));
        }
    }

    private static void refused(String gw, Properties sec, String regex, String label) {
        Properties pp = producerProps(gw);
        pp.putAll(sec);
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp)) {
            p.send(new ProducerRecord<>("java-refused", 0, new byte[] {1}, new byte[] {2})).get();
            ok(false, label + ": the record was sent");
        } catch (Exception e) {
            String why = chain(e);
            ok(java.util.regex.Pattern.compile(regex).matcher(why).find(), label + " (" + why + ")");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 6 && args[0].equals("secure")) {
            secure(args[1], args[2], args[3], load(args[4]), args[5]);
            System.exit(failures == 0 ? 0 : 1);
        }
        if (args.length == 5 && args[0].equals("refused")) {
            refused(args[1], load(args[2]), args[3], args[4]);
            System.exit(failures == 0 ? 0 : 1);
        }
        if (args.length != 4 || !args[0].equals("suite")) {
            System.err.println("usage: KClient suite GATEWAY BROKER NODES");
            System.err.println("       KClient secure GATEWAY BROKER TOPIC PROPS LABEL");
            System.err.println("       KClient refused GATEWAY PROPS REGEX LABEL");
            System.exit(2);
        }
        String gw = args[1], broker = args[2], nodes = args[3];
        admin(gw, nodes);
        codecs(gw, broker);
        idempotent(gw, broker);
        transactions(gw, broker);
        group(gw, broker, "classic");
        group(gw, broker, "consumer");
        System.exit(failures == 0 ? 0 : 1);
    }
}
