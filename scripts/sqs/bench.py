"""boto3's side of the SQS benchmark: the same operations, sizes and order as eventide-sqs-benchmark,
against the same server. Prints one JSON line: {"send_per_s": ..., "receive_per_s": ...}.

    python3 scripts/sqs/bench.py --endpoint http://127.0.0.1:5000 --messages 2000
"""
import argparse, json, time, uuid

import boto3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    sqs = boto3.client("sqs", endpoint_url=args.endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    queue = sqs.create_queue(QueueName=f"bench-boto3-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    body = "x" * args.size

    start = time.perf_counter()
    for _ in range(args.messages):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    send_seconds = time.perf_counter() - start

    start, received = time.perf_counter(), 0
    while received < args.messages:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            break
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        received += len(messages)
    receive_seconds = time.perf_counter() - start
    sqs.delete_queue(QueueUrl=queue)
    print(json.dumps({"send_per_s": args.messages / send_seconds, "receive_per_s": received / receive_seconds,
                      "received": received}))


if __name__ == "__main__":
    main()
