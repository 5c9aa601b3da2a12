"""Shard iterators cannot be forged. They used to carry an XXH3 checksum with
a public seed, so anyone could make one: with an issue time of INT64_MIN (the
expiry arithmetic overflowed: undefined behaviour, an abort under UBSan, and
an iterator that never expired), or one in the future (never expired
either). Now they are signed with the data directory's secret, and the
secret survives a restart. Every refused iterator gets DynamoDB's answer for
an invalid one. ddbd_only: the forgeries are of ddbd's own format."""
import ctypes
import ctypes.util
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Ddbd, error_of, make_client

pytestmark = pytest.mark.ddbd_only

INVALID = ("ValidationException", "Invalid ShardIterator")


def xxh3_with_old_seed(text):
    """The checksum ddbd used to write: XXH3_64bits_withSeed(text, 'ddbs')."""
    lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
    lib.XXH3_64bits_withSeed.restype = ctypes.c_uint64
    lib.XXH3_64bits_withSeed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
    data = text.encode()
    return "%016x" % lib.XXH3_64bits_withSeed(data, len(data), 0x64646273)


def old_format(arn, shard, pos, issued_ms):
    """An iterator as anyone could make one before: ARN|shard|pos|issued|xxh3."""
    text = f"{arn}|{shard}|{pos}|{issued_ms}"
    return text + "|" + xxh3_with_old_seed(text)


@pytest.fixture
def server():
    s = Ddbd().start()
    yield s
    s.cleanup()


def setup_stream(server):
    c = make_client(server.endpoint)
    s = make_client(server.endpoint, "dynamodbstreams")
    c.create_table(TableName="iters", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    c.put_item(TableName="iters", Item={"pk": {"S": "one"}})
    arn = c.describe_table(TableName="iters")["Table"]["LatestStreamArn"]
    shard = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return c, s, arn, it


def fields(it):
    """(arn, shard, pos, issued, mac) of an iterator, split from the right."""
    arn, shard, pos, issued, mac = it.rsplit("|", 4)
    return arn, shard, pos, issued, mac


def refused(s, it):
    with pytest.raises(ClientError) as e:
        s.get_records(ShardIterator=it)
    return error_of(e)


def test_a_real_iterator_reads_and_its_next_one_too(server):
    _, s, _, it = setup_stream(server)
    page = s.get_records(ShardIterator=it)
    assert [r["dynamodb"]["Keys"] for r in page["Records"]] == [{"pk": {"S": "one"}}]
    assert s.get_records(ShardIterator=page["NextShardIterator"])["Records"] == []


def test_a_tampered_iterator_is_refused(server):
    _, s, _, it = setup_stream(server)
    for i in (0, len(it) // 2, it.rindex("|") - 1, len(it) - 1):  # the ARN, a field, the mac
        ch = "0" if it[i] != "0" else "1"
        assert refused(s, it[:i] + ch + it[i + 1:]) == INVALID
    arn, shard, pos, issued, mac = fields(it)
    assert refused(s, "|".join([arn, shard, str(int(pos) + 1), issued, mac])) == INVALID  # another position


def test_an_iterator_signed_with_the_old_public_seed_is_refused(server):
    _, s, _, it = setup_stream(server)
    arn, shard, pos, issued, _ = fields(it)
    assert refused(s, old_format(arn, shard, pos, issued)) == INVALID


def test_forged_issue_times_are_refused(server):
    _, s, _, it = setup_stream(server)
    arn, shard, pos, _, mac = fields(it)
    now = int(time.time() * 1000)
    # before the change these were accepted, and INT64_MIN overflowed
    for issued in (-2**63, -1, now + 3600 * 1000, 2**63 - 1):
        assert refused(s, old_format(arn, shard, pos, issued)) == INVALID
        assert refused(s, "|".join([arn, shard, pos, str(issued), mac])) == INVALID


def test_an_iterator_survives_a_restart(server):
    _, s, _, it = setup_stream(server)
    assert server.stop() == 0
    again = Ddbd(data_dir=server.data_dir).start()
    try:
        s2 = make_client(again.endpoint, "dynamodbstreams")
        page = s2.get_records(ShardIterator=it)
        assert [r["dynamodb"]["Keys"] for r in page["Records"]] == [{"pk": {"S": "one"}}]
    finally:
        again.stop()


def test_an_iterator_of_another_data_directory_is_refused(server):
    """Two data directories have two secrets: an iterator of one, naming a
    stream of the same table and time, is not valid in the other."""
    _, s, _, it = setup_stream(server)
    other = Ddbd().start()
    try:
        _, s2, _, _ = setup_stream(other)
        assert refused(s2, it) == INVALID
    finally:
        other.stop()
        other.cleanup()
