"""Stand-in for kafka-python: KafkaProducer and KafkaConsumer (see ../README.md)."""
import json
import os
from collections import namedtuple

from stublog import log

RecordMetadata = namedtuple("RecordMetadata", "topic partition offset")
ConsumerRecord = namedtuple("ConsumerRecord", "topic partition offset key value")


class _Future:
    def __init__(self, meta):
        self.meta = meta

    def get(self, timeout=None):
        return self.meta


class KafkaProducer:
    def __init__(self, **config):
        self._serialize = config.pop("value_serializer", None)
        self._offset = 0
        log("KafkaProducer", config=config)

    def send(self, topic, value=None, key=None, **kw):
        data = self._serialize(value) if self._serialize else value
        log("send", topic=topic, value=data.decode("utf-8") if isinstance(data, bytes) else data)
        meta = RecordMetadata(topic, 0, self._offset)
        self._offset += 1
        return _Future(meta)

    def flush(self, timeout=None):
        log("flush")

    def close(self, timeout=None):
        log("close")


class KafkaConsumer:
    def __init__(self, *topics, **config):
        self._deserialize = config.pop("value_deserializer", None)
        log("KafkaConsumer", topics=list(topics), config=config)

    def __iter__(self):
        path = os.environ.get("SG_STUB_INPUT")
        lines = open(path).read().splitlines() if path else []
        for i, line in enumerate(lines):
            raw = line.encode("utf-8")
            value = self._deserialize(raw) if self._deserialize else raw
            yield ConsumerRecord("orders", 0, i, None, value)

    def commit(self):
        log("commit")

    def close(self):
        log("close")
