"""Stand-in for confluent_kafka.serialization."""


class MessageField:
    KEY = "key"
    VALUE = "value"


class SerializationContext:
    def __init__(self, topic, field, headers=None):
        self.topic, self.field = topic, field


class StringSerializer:
    def __init__(self, codec="utf_8"):
        self.codec = codec

    def __call__(self, obj, ctx=None):
        return None if obj is None else obj.encode(self.codec)
