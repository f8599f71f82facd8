"""Stand-in for confluent_kafka.schema_registry."""
from stublog import log


class SchemaRegistryClient:
    def __init__(self, conf):
        log("SchemaRegistryClient", conf=conf)
