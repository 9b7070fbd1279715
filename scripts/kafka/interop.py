#!/usr/bin/env python3
"""Interop partner for EventideKafka's tests: produces or consumes with confluent-kafka (librdkafka).

  interop.py produce --bootstrap 127.0.0.1:19092 --topic T --count N
      N records, key "key-<i>", value {"n": i} as JSON, headers source=confluent and n=<i>, partitioner
      murmur2_random (Java's default); prints one JSON line per delivered record: key, partition, offset.
  interop.py consume --bootstrap 127.0.0.1:19092 --topic T --group G --count N [--timeout S]
      reads N records from the earliest offset and prints one JSON line each: key, value, headers,
      partition, offset. Exits 1 if fewer than N arrived within the timeout.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, Producer


def produce(args):
    producer = Producer({"bootstrap.servers": args.bootstrap, "partitioner": "murmur2_random",
                         "acks": "all", "linger.ms": 5})
    delivered = []

    def on_delivery(error, message):
        if error is not None:
            print(f"delivery failed: {error}", file=sys.stderr)
            return
        delivered.append({"key": message.key().decode(), "partition": message.partition(), "offset": message.offset()})

    for i in range(args.count):
        producer.produce(args.topic, key=f"key-{i}".encode(), value=json.dumps({"n": i}).encode(),
                         headers=[("source", b"confluent"), ("n", str(i).encode())], on_delivery=on_delivery)
    remaining = producer.flush(args.timeout)
    for record in delivered:
        print(json.dumps(record))
    return 0 if remaining == 0 and len(delivered) == args.count else 1


def consume(args):
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group,
                         "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                         "enable.auto.commit": False})
    consumer.subscribe([args.topic])
    deadline = time.monotonic() + args.timeout
    count = 0
    try:
        while count < args.count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                print(f"consume error: {message.error()}", file=sys.stderr)
                continue
            headers = {key: (value.decode() if value is not None else None) for key, value in (message.headers() or [])}
            print(json.dumps({"key": message.key().decode() if message.key() is not None else None,
                              "value": message.value().decode() if message.value() is not None else None,
                              "headers": headers, "partition": message.partition(), "offset": message.offset()}))
            count += 1
    finally:
        consumer.close()
    return 0 if count == args.count else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["produce", "consume"])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="interop")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    sys.exit(produce(args) if args.command == "produce" else consume(args))


if __name__ == "__main__":
    main()
