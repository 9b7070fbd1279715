#!/usr/bin/env python3
"""confluent-kafka's side of `eventide-kafka-benchmark`: produces COUNT records of SIZE bytes to a topic
(acks=all), then consumes them all from the earliest offset in a fresh group (timed from the partition
assignment, as the Swift side times from its join), and prints one JSON line:
{"produced": n, "produce_per_s": x, "consumed": n, "consume_per_s": y}. Bounded by --timeout seconds per phase.
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    payload = b"x" * args.size

    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "linger.ms": 5,
                         "batch.num.messages": 10_000, "queue.buffering.max.messages": 1_000_000})
    delivered = 0

    def on_delivery(error, _message):
        nonlocal delivered
        if error is None:
            delivered += 1

    start = time.monotonic()
    for _ in range(args.count):
        while True:
            try:
                producer.produce(args.topic, value=payload, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(args.timeout)
    produce_seconds = time.monotonic() - start

    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": f"bench-{uuid.uuid4()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "session.timeout.ms": 6000})
    assigned = []
    consumer.subscribe([args.topic], on_assign=lambda _consumer, _partitions: assigned.append(time.monotonic()))
    consumed = 0
    deadline = time.monotonic() + args.timeout
    while consumed < delivered and time.monotonic() < deadline:
        messages = consumer.consume(num_messages=10_000, timeout=0.5)
        for message in messages:
            if message.error() is None:
                consumed += 1
    end = time.monotonic()
    consumer.close()
    consume_seconds = end - (assigned[0] if assigned else end)
    print(json.dumps({"produced": delivered, "produce_per_s": delivered / produce_seconds if produce_seconds else 0,
                      "consumed": consumed, "consume_per_s": consumed / consume_seconds if consume_seconds else 0}))
    return 0 if consumed == delivered == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
