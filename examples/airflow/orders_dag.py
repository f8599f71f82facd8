"""examples/airflow/orders_dag.py: an Airflow DAG that produces `orders` events
through the schemagate gateway with kafka-python.

The gateway validates each record against the latest schema of `orders-value`
(schemas/orders.json). A non-conforming order makes `send.get()` raise
InvalidRecordError, so the task fails and Airflow shows why; nothing
malformed reaches the topic.
"""
import json
from datetime import datetime, timezone

from airflow.decorators import dag, task

GATEWAY = '127.0.0.1:9092'


def produce_orders(orders, bootstrap_servers=GATEWAY):
    """Sends each order to `orders` and waits for the gateway's answer.
    Returns the number sent; raises on the first rejected order."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=[bootstrap_servers],
                             value_serializer=lambda v: json.dumps(v).encode('utf-8'))
    try:
        for order in orders:
            producer.send('orders', order).get(timeout=30)
    finally:
        producer.flush()
        producer.close()
    return len(orders)


@dag(
    dag_id='produce_orders',
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=['schemagate', 'orders'],
)
def produce_orders_dag():
    @task
    def build_orders():
        now = datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
        return [
            {"event_type": "order_created", "order_id": "ORD-300001", "customer_id": "CUST-7",
             "amount": 18.5, "currency": "EUR", "status": "pending", "timestamp": now},
            {"event_type": "order_status_updated", "order_id": "ORD-300001", "customer_id": "CUST-7",
             "amount": 18.5, "currency": "EUR", "status": "paid", "timestamp": now},
        ]

    @task
    def send(orders):
        return produce_orders(orders)

    send(build_orders())


produce_orders_dag()
