"""examples/python/consumer.py: the kafka-python consumer of `orders` in the
group `order-processor`, through the schemagate gateway. Only orders that
passed the gateway's check are there to read. Stops after 10 s without a
new record.
"""
import json

from kafka import KafkaConsumer

consumer = KafkaConsumer('orders',
                         bootstrap_servers=['127.0.0.1:9092'],
                         group_id='order-processor',
                         auto_offset_reset='earliest',
                         value_deserializer=lambda m: json.loads(m.decode('utf-8')),
                         consumer_timeout_ms=10000)
for message in consumer:
    order = message.value
    print("order %s: %s %s %.2f %s" % (order["order_id"], order["event_type"], order["status"],
                                       order["amount"], order["currency"]))
consumer.close()
