"""seed.py: creates the benchmark table and loads it over one keep-alive
HTTP connection with raw DynamoDB JSON requests (much faster than one boto3
call per item). Table `bench`: PK = USER#<u>, SK = ORDER#<nn>; `users`
partitions of `per_user` items of ~200 bytes each.
Usage: seed.py PORT USERS PER_USER"""
import http.client
import json
import sys

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")


def main():
    port, users, per_user = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(op, body):
        conn.request("POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{op}", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise SystemExit(f"{op} failed: {r.status} {data[:200]}")

    call("CreateTable", {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
                         "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                       {"AttributeName": "SK", "KeyType": "RANGE"}],
                         "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"},
                                                  {"AttributeName": "SK", "AttributeType": "S"}]})
    pad = "x" * 150
    for u in range(users):
        for o in range(per_user):
            call("PutItem", {"TableName": "bench", "Item": {
                "PK": {"S": f"USER#{u}"}, "SK": {"S": f"ORDER#{o:02d}"}, "n": {"N": str(o)},
                "pad": {"S": pad}}})


main()
