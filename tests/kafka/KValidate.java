// tests/kafka/KValidate.java: the Java producer (kafka-clients, idempotent by
// default) through the validating gateway with a hand-framed Confluent Avro
// record (magic 0, the 4-byte schema id, the Avro binary of
// com.example.orders.Order {order_id, amount, currency}). Compiled and run by
// tests/kafka/validate.sh; prints unnumbered TAP lines.
//
//   KValidate GATEWAY BROKER TOPIC SCHEMA_ID

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class KValidate {
	static int failed = 0;

	static void ok(boolean cond, String what) {
		System.out.println((cond ? "ok - " : "not ok - ") + what);
		if (!cond)
			failed++;
	}

	static void avroString(ByteArrayOutputStream o, String s) {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		long z = ((long) b.length << 1) ^ ((long) b.length >> 63);
		while ((z & ~0x7FL) != 0) {
			o.write((int) ((z & 0x7F) | 0x80));
			z >>>= 7;
		}
		o.write((int) z);
		o.write(b, 0, b.length);
	}

	static byte[] order(int id, String orderId, double amount, String currency) {
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		o.write(0);
		o.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
		avroString(o, orderId);
		o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(amount).array());
		avroString(o, currency);
		return o.toByteArray();
	}

	public static void main(String[] args) throws Exception {
		String gw = args[0], broker = args[1], topic = args[2];
		int id = Integer.parseInt(args[3]);
		Properties p = new Properties();
		p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, gw);
		p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
		p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
		p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
		p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
		byte[] good1 = order(id, "java-1", 10.5, "EUR");
		byte[] good2 = order(id, "java-3", 7.25, "USD");
		byte[] bad = Arrays.copyOf(good1, good1.length - 3); // the currency cut short
		try (KafkaProducer<byte[], byte[]> pr = new KafkaProducer<>(p)) {
			pr.send(new ProducerRecord<>(topic, 0, null, good1)).get();
			ok(true, "Java producer: a hand-framed Avro order is accepted");
			try {
				pr.send(new ProducerRecord<>(topic, 0, null, bad)).get();
				ok(false, "Java producer: a truncated Avro order is rejected");
			} catch (ExecutionException e) {
				Throwable c = e.getCause();
				ok(c instanceof org.apache.kafka.common.InvalidRecordException,
				   "Java producer: a truncated Avro order is rejected with InvalidRecordException: " + c);
			}
			pr.send(new ProducerRecord<>(topic, 0, null, good2)).get();
			ok(true, "Java producer (idempotent by default) keeps working after the rejection");
		}
		Properties c = new Properties();
		c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
		c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
		c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
		List<byte[]> got = new ArrayList<>();
		try (KafkaConsumer<byte[], byte[]> co = new KafkaConsumer<>(c)) {
			TopicPartition tp = new TopicPartition(topic, 0);
			co.assign(Collections.singletonList(tp));
			co.seekToBeginning(Collections.singletonList(tp));
			long end = System.currentTimeMillis() + 15000;
			while (System.currentTimeMillis() < end) {
				for (ConsumerRecord<byte[], byte[]> r : co.poll(Duration.ofMillis(500)))
					got.add(r.value());
				if (co.position(tp) >= co.endOffsets(Collections.singletonList(tp)).get(tp))
					break;
			}
		}
		boolean has1 = false, has2 = false, hasBad = false;
		for (byte[] v : got) {
			has1 |= Arrays.equals(v, good1);
			has2 |= Arrays.equals(v, good2);
			hasBad |= Arrays.equals(v, bad);
		}
		ok(has1 && has2 && !hasBad,
		   "the broker holds both accepted Java records byte-identical, and not the rejected one");
		System.exit(failed == 0 ? 0 : 1);
	}
}
