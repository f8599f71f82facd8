"""Stand-in for confluent_kafka.schema_registry.avro: the "Avro" it writes is
the record as JSON, for the test to check against the schema."""
import json

from stublog import log


class AvroSerializer:
    def __init__(self, schema_registry_client, schema_str, to_dict=None, conf=None):
        log("AvroSerializer", schema=schema_str, conf=conf)

    def __call__(self, obj, ctx=None):
        log("avro_serialize", topic=ctx.topic if ctx else None, field=ctx.field if ctx else None,
            record=obj)
        return json.dumps(obj).encode("utf-8")
