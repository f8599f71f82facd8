# gateway/: the Kafka-protocol proxy.
