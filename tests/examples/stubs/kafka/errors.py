"""Stand-in for kafka.errors."""


class KafkaError(Exception):
    pass


class InvalidRecordError(KafkaError):
    pass
