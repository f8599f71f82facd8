"""Stand-in for confluent-kafka-python's Producer (see ../README.md)."""
from stublog import log


class _Message:
    def __init__(self, topic, offset):
        self._topic, self._offset = topic, offset

    def topic(self):
        return self._topic

    def partition(self):
        return 0

    def offset(self):
        return self._offset


class Producer:
    def __init__(self, config):
        log("Producer", config=config)
        self._pending = []
        self._offset = 0

    def produce(self, topic, value=None, key=None, on_delivery=None, **kw):
        log("produce", topic=topic, key=key.decode("utf-8") if isinstance(key, bytes) else key,
            value=value.decode("utf-8") if isinstance(value, bytes) else value)
        self._pending.append((on_delivery, _Message(topic, self._offset)))
        self._offset += 1

    def flush(self, timeout=None):
        for cb, msg in self._pending:
            if cb:
                cb(None, msg)
        self._pending = []
        return 0
