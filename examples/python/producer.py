"""examples/python/producer.py: the kafka-python producer for `orders`, pointed
at the schemagate gateway instead of the brokers.

The gateway checks every record against the latest schema of the subject
`orders-value` (register schemas/orders.json first). The first order conforms
and is written; the second has a text amount, so the gateway rejects its batch
with INVALID_RECORD and kafka-python raises InvalidRecordError for it.
"""
import json

from kafka import KafkaProducer
from kafka.errors import KafkaError

producer = KafkaProducer(bootstrap_servers=['127.0.0.1:9092'],
                         value_serializer=lambda v: json.dumps(v).encode('utf-8'))

valid_order = {
    "event_type": "order_created",
    "order_id": "ORD-100234",
    "customer_id": "CUST-42",
    "amount": 129.90,
    "currency": "EUR",
    "status": "pending",
    "timestamp": "2026-11-25T13:00:00Z",
}
invalid_order = dict(valid_order, order_id="ORD-100235", amount="129.90 EUR")

metadata = producer.send('orders', valid_order).get(timeout=30)
print("accepted: order %s at orders[%d] offset %d"
      % (valid_order["order_id"], metadata.partition, metadata.offset))

try:
    producer.send('orders', invalid_order).get(timeout=30)
    print("accepted: order %s (the gateway did not reject it)" % invalid_order["order_id"])
except KafkaError as e:
    print("rejected: order %s: %s" % (invalid_order["order_id"], type(e).__name__))

producer.flush()
producer.close()
