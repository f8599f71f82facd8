"""examples/python/avro_producer.py: confluent-kafka-python's producer with its
AvroSerializer, using schemagate as the schema registry and the gateway as
the bootstrap server.

The serializer registers schemas/orders.avsc under `orders-avro-value` (the
topic's TopicNameStrategy subject) the first time, then frames each value as
magic byte 0, the schema id, and the Avro body. The gateway checks that frame
against the registered schema before the broker sees it.
"""
import os
import sys

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext, StringSerializer

TOPIC = 'orders-avro'
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, '..', '..', 'schemas', 'orders.avsc')) as f:
    schema_str = f.read()

registry = SchemaRegistryClient({'url': 'http://127.0.0.1:8081'})
serialize_value = AvroSerializer(registry, schema_str)
serialize_key = StringSerializer('utf_8')
producer = Producer({'bootstrap.servers': '127.0.0.1:9092', 'acks': 'all'})

order = {
    "event_type": "ORDER_CREATED",
    "order_id": "ORD-200001",
    "customer_id": "CUST-42",
    "amount": 59.0,
    "currency": "EUR",
    "status": "PENDING",
    "timestamp": "2026-11-25T13:00:00Z",
    "cancel_reason": None,
}

failures = []


def delivered(err, msg):
    if err is not None:
        failures.append(err)
        print("failed: %s" % err)
    else:
        print("accepted: order %s at %s[%d] offset %d"
              % (order["order_id"], msg.topic(), msg.partition(), msg.offset()))


producer.produce(TOPIC,
                 key=serialize_key(order["order_id"]),
                 value=serialize_value(order, SerializationContext(TOPIC, MessageField.VALUE)),
                 on_delivery=delivered)
producer.flush(30)
sys.exit(1 if failures else 0)
