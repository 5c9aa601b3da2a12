"""seed.py: creates the benchmark table and loads it with BatchWriteItem
calls (25 items each) over a few keep-alive HTTP connections, with raw
DynamoDB JSON requests. Table `bench`: PK = USER#<u>, SK = ORDER#<nn>;
`users` partitions of `per_user` items of ~200 bytes each. Items are the
same for every server (deterministic). Prints the load rate.
Usage: seed.py PORT USERS PER_USER [FIRST_USER]"""
import http.client
import json
import sys
import threading
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")
PAD = "x" * 150


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, op, body):
        self.conn.request("POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{op}", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"})
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise SystemExit(f"{op} failed: {r.status} {data[:300]}")
        return json.loads(data or b"{}")


def create(port):
    c = Client(port)
    try:
        c.call("DescribeTable", {"TableName": "bench"})
        return
    except SystemExit:
        pass
    c.call("CreateTable", {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
                           "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                         {"AttributeName": "SK", "KeyType": "RANGE"}],
                           "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"},
                                                    {"AttributeName": "SK", "AttributeType": "S"}]})
    for _ in range(600):  # some servers create tables asynchronously
        if c.call("DescribeTable", {"TableName": "bench"})["Table"]["TableStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise SystemExit("table did not become ACTIVE")


def load(port, first, users, per_user, threads=4):
    items = [(u, o) for u in range(first, first + users) for o in range(per_user)]
    batches = [items[i:i + 25] for i in range(0, len(items), 25)]

    def work(part):
        c = Client(port)
        for batch in part:
            req = {"bench": [{"PutRequest": {"Item": {
                "PK": {"S": f"USER#{u}"}, "SK": {"S": f"ORDER#{o:02d}"}, "n": {"N": str(o)},
                "pad": {"S": PAD}}}} for u, o in batch]}
            while req:
                out = c.call("BatchWriteItem", {"RequestItems": req})
                req = out.get("UnprocessedItems") or None

    ts = [threading.Thread(target=work, args=(batches[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def main():
    port, users, per_user = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    create(port)
    t0 = time.time()
    load(port, first, users, per_user)
    dt = time.time() - t0
    print(f"SEED items={users * per_user} seconds={dt:.2f} items_s={users * per_user / dt:.0f}")


if __name__ == "__main__":
    main()
