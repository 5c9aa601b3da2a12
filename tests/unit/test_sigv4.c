/* test_sigv4.c: AWS Signature Version 4, signing and verifying. The aws-sig-v4-test-suite
 * vectors (inputs, canonical requests, strings to sign and Authorization headers transcribed
 * from the suite as botocore ships it in tests/unit/auth/aws4_testsuite) must come out byte for
 * byte, and the verifier must accept each signed request and reject it when the payload, a
 * signed header, the date or the secret changes. Plus DynamoDB- and presigned-shaped requests
 * cross-checked against botocore. Parsers, dates and the clock: test_sigv4_parse.c. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "query/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define HD     "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
#define HOST                                                                                       \
    { "Host", "example.amazonaws.com" }
#define DATE                                                                                       \
    { "X-Amz-Date", "20150830T123600Z" }
#define UNRES  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define EMPTY  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define STS(h) "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" h
#define AUTHZ(sh, sig)                                                                             \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "            \
    "SignedHeaders=" sh ", Signature=" sig
/* the session tokens of get-vanilla-with-session-token and post-sts-token */
#define TOKEN_SHORT "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define TOKEN_STS                                                                                  \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp"   \
    "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQ"   \
    "DYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+s"   \
    "cqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

typedef struct vec {
    const char *name, *method, *path, *query;
    const char *headers[8][2]; /* name, value; ends at a NULL name */
    const char *body;          /* NULL: empty */
    const char *token;         /* session token in the credentials, or NULL */
    unsigned flags;
    const char *creq, *sts, *authz;
} vec_t;

/* The table keeps the suite's layout, one vector per block: */
/* clang-format off */
/* Inputs from each vector's .req (a folded header line keeps its line break and indentation
 * in the value); expected outputs from its .creq, .sts and .authz. */
static const vec_t suite[] = {
    {"get-header-key-duplicate", "GET", "/", "",
     {HOST, {"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}, DATE},
     NULL, NULL, 0,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
     "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" EMPTY,
     STS("dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"),
     AUTHZ("host;my-header1;x-amz-date",
           "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")},
    {"get-header-value-multiline", "GET", "/", "",
     {HOST, {"My-Header1", "value1\n  value2\n     value3"}, DATE}, NULL, NULL, 0,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1 value2 value3\n"
     "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" EMPTY,
     STS("e99419459a677bc11de234014be3c4e72c1ea5b454ceb58b613061f5d7a162e8"),
     AUTHZ("host;my-header1;x-amz-date",
           "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd")},
    {"get-header-value-order", "GET", "/", "",
     {HOST, {"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"},
      {"My-Header1", "value2"}, DATE},
     NULL, NULL, 0,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
     "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" EMPTY,
     STS("31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86"),
     AUTHZ("host;my-header1;x-amz-date",
           "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")},
    {"get-header-value-trim", "GET", "/", "",
     {HOST, {"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}, DATE}, NULL, NULL, 0,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
     "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" EMPTY,
     STS("a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"),
     AUTHZ("host;my-header1;my-header2;x-amz-date",
           "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")},
    {"get-unreserved", "GET", "/" UNRES, "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/" UNRES "\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9"),
     AUTHZ("host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")},
    {"get-utf8", "GET", "/\xe1\x88\xb4", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/%E1%88%B4\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"),
     AUTHZ("host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")},
    {"get-vanilla", "GET", "/", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     AUTHZ("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {"get-vanilla-empty-query-key", "GET", "/", "Param1=value1",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\nParam1=value1\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab"),
     AUTHZ("host;x-amz-date", "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb")},
    {"get-vanilla-query", "GET", "/", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     AUTHZ("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {"get-vanilla-query-order-encoded", "GET", "/", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71"),
     AUTHZ("host;x-amz-date", "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac")},
    {"get-vanilla-query-order-key", "GET", "/", "Param1=value2&Param1=Value1",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\nParam1=Value1&Param1=value2\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89"),
     AUTHZ("host;x-amz-date", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")},
    {"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\nParam1=value1&Param2=value2\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"),
     AUTHZ("host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")},
    {"get-vanilla-query-order-value", "GET", "/", "Param1=value2&Param1=value1",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\nParam1=value1&Param1=value2\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606"),
     AUTHZ("host;x-amz-date", "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694")},
    {"get-vanilla-query-unreserved", "GET", "/", UNRES "=" UNRES,
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n" UNRES "=" UNRES "\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"),
     AUTHZ("host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")},
    {"get-vanilla-utf8-query", "GET", "/", "\xe1\x88\xb4=bar",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n%E1%88%B4=bar\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073"),
     AUTHZ("host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")},
    {"get-vanilla-with-session-token", "GET", "/", "",
     {HOST, DATE}, NULL, TOKEN_SHORT, 0,
     "GET\n/\n\n" HD
     "x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n"
     "host;x-amz-date;x-amz-security-token\n" EMPTY,
     STS("067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b"),
     AUTHZ("host;x-amz-date;x-amz-security-token",
           "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")},
    {"get-relative", "GET", "/example/..", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     AUTHZ("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {"get-relative-relative", "GET", "/example1/example2/../..", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     AUTHZ("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {"get-slash", "GET", "//", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     AUTHZ("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {"get-slash-dot-slash", "GET", "/./", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     AUTHZ("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {"get-slash-pointless-dot", "GET", "/./example", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/example\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702"),
     AUTHZ("host;x-amz-date", "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5")},
    {"get-slashes", "GET", "//example//", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/example/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015"),
     AUTHZ("host;x-amz-date", "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84")},
    {"get-space", "GET", "/example space/", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/example%20space/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86"),
     AUTHZ("host;x-amz-date", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")},
    {"get-special-character", "GET", "/example/$delete", "",
     {HOST, DATE}, NULL, NULL, 0,
     "GET\n/example/%24delete\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("4053e45b5cef7cec5e17f736b1c12b3faf0388fd4c0bd24326386f132039ce5c"),
     AUTHZ("host;x-amz-date", "a853c9b21b528b19643d00910d35b83a10c366a10833ceefb45edd6c80e40f27")},
    {"post-header-key-case", "POST", "/", "",
     {HOST, DATE}, NULL, NULL, 0,
     "POST\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
     AUTHZ("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
    {"post-header-key-sort", "POST", "/", "",
     {HOST, {"My-Header1", "value1"}, DATE}, NULL, NULL, 0,
     "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY,
     STS("9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65"),
     AUTHZ("host;my-header1;x-amz-date",
           "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c")},
    {"post-header-value-case", "POST", "/", "",
     {HOST, {"My-Header1", "VALUE1"}, DATE}, NULL, NULL, 0,
     "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY,
     STS("d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93"),
     AUTHZ("host;my-header1;x-amz-date",
           "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d")},
    {"post-sts-header-after", "POST", "/", "",
     {HOST, DATE}, NULL, TOKEN_STS, DDB_SIGV4_UNSIGNED_TOKEN,
     "POST\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
     AUTHZ("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
    {"post-sts-header-before", "POST", "/", "",
     {HOST, DATE, {"X-Amz-Security-Token", TOKEN_STS}}, NULL, NULL, 0,
     "POST\n/\n\n" HD "x-amz-security-token:" TOKEN_STS "\n\n"
     "host;x-amz-date;x-amz-security-token\n" EMPTY,
     STS("c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"),
     AUTHZ("host;x-amz-date;x-amz-security-token",
           "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")},
    {"post-vanilla", "POST", "/", "",
     {HOST, DATE}, NULL, NULL, 0,
     "POST\n/\n\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
     AUTHZ("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
    {"post-vanilla-empty-query-value", "POST", "/", "Param1=value1",
     {HOST, DATE}, NULL, NULL, 0,
     "POST\n/\nParam1=value1\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"),
     AUTHZ("host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")},
    {"post-vanilla-query", "POST", "/", "Param1=value1",
     {HOST, DATE}, NULL, NULL, 0,
     "POST\n/\nParam1=value1\n" HD "\nhost;x-amz-date\n" EMPTY,
     STS("9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"),
     AUTHZ("host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")},
    {"post-x-www-form-urlencoded", "POST", "/", "",
     {{"Content-Type", "application/x-www-form-urlencoded"}, HOST, DATE}, "Param1=value1", NULL, 0,
     "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n" HD "\n"
     "content-type;host;x-amz-date\n"
     "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
     STS("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"),
     AUTHZ("content-type;host;x-amz-date",
           "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")},
    {"post-x-www-form-urlencoded-parameters", "POST", "/", "",
     {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}, HOST, DATE},
     "Param1=value1", NULL, 0,
     "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\n" HD "\n"
     "content-type;host;x-amz-date\n"
     "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
     STS("2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c"),
     AUTHZ("content-type;host;x-amz-date",
           "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe")},
};
/* clang-format on */

static size_t vec_headers(const vec_t *v, ddb_sigv4_header_t *h) {
    size_t n = 0;
    for (; n < 8 && v->headers[n][0]; n++)
        h[n] = (ddb_sigv4_header_t){v->headers[n][0], strlen(v->headers[n][0]), v->headers[n][1],
                                    strlen(v->headers[n][1])};
    return n;
}

static ddb_sigv4_header_t hdr(const char *name, const char *value) {
    return (ddb_sigv4_header_t){name, strlen(name), value, strlen(value)};
}

static ddb_sigv4_request_t vec_request(const vec_t *v, const ddb_sigv4_header_t *h, size_t n) {
    return (ddb_sigv4_request_t){
        .method = v->method,
        .method_len = strlen(v->method),
        .path = v->path,
        .path_len = strlen(v->path),
        .query = v->query,
        .query_len = strlen(v->query),
        .headers = h,
        .n_headers = n,
        .payload = v->body,
        .payload_len = v->body ? strlen(v->body) : 0,
        .flags = v->flags,
    };
}

static int has_header(const ddb_sigv4_header_t *h, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].name, name) == 0) return 1;
    return 0;
}

static const ddb_sigv4_scope_t suite_scope = {"20150830T123600Z", "us-east-1", 9, "service", 7};

/* Parses the received headers' Authorization and verifies with secret. */
static ddb_sigv4_status_t receive(ddb_arena_t *a, const ddb_sigv4_request_t *req,
                                  const char *secret) {
    ddb_sigv4_auth_t auth;
    const ddb_sigv4_header_t *authz = NULL;
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcmp(req->headers[i].name, "Authorization") == 0) authz = &req->headers[i];
    if (!authz) return DDB_SIGV4_ERR_NO_AUTH;
    ddb_sigv4_status_t st =
        ddb_sigv4_parse_header(authz->value, authz->value_len, req->headers, req->n_headers, &auth);
    if (st) return st;
    return ddb_sigv4_verify(a, req, &auth, secret, strlen(secret), NULL, NULL);
}

static void run_vector(ddb_arena_t *a, const vec_t *v) {
    ddb_sigv4_header_t h[12];
    size_t n = vec_headers(v, h);
    ddb_sigv4_request_t req = vec_request(v, h, n);
    ddb_sigv4_credentials_t cred = {
        "AKIDEXAMPLE", 11, SECRET, strlen(SECRET), v->token, v->token ? strlen(v->token) : 0, NULL};
    ddb_sigv4_signed_t out;
    int failed_before = check_failed_;
    CHECK(ddb_sigv4_sign(a, &req, &cred, &suite_scope, &out) == DDB_SIGV4_OK);
    CHECK_STR(out.canonical_request, v->creq);
    CHECK_STR(out.string_to_sign, v->sts);
    CHECK_STR(out.authorization, v->authz);
    CHECK(out.authorization_len == strlen(v->authz));

    /* a cached signing key signs alike */
    unsigned char key[32];
    ddb_sigv4_signing_key(SECRET, strlen(SECRET), "20150830", 8, "us-east-1", 9, "service", 7, key);
    ddb_sigv4_credentials_t cached = cred;
    cached.secret = NULL;
    cached.signing_key = key;
    ddb_sigv4_signed_t out2;
    CHECK(ddb_sigv4_sign(a, &req, &cached, &suite_scope, &out2) == DDB_SIGV4_OK);
    CHECK_STR(out2.authorization, v->authz);

    /* what the server receives: the headers, the token (signed or not) and Authorization */
    if (v->token && !has_header(h, n, "X-Amz-Security-Token"))
        h[n++] = hdr("X-Amz-Security-Token", v->token);
    h[n++] = hdr("Authorization", out.authorization);
    req.n_headers = n;
    CHECK(receive(a, &req, SECRET) == DDB_SIGV4_OK);
    CHECK(receive(a, &req, SECRET "x") == DDB_SIGV4_ERR_MISMATCH);
    CHECK(receive(a, &req, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ") == DDB_SIGV4_ERR_MISMATCH);

    ddb_sigv4_auth_t auth;
    CHECK(ddb_sigv4_parse_header(out.authorization, out.authorization_len, h, n, &auth) == 0);
    CHECK(ddb_sigv4_verify(a, &req, &auth, NULL, 0, key, NULL) == DDB_SIGV4_OK);
    CHECK(auth.access_key_id_len == 11 && memcmp(auth.access_key_id, "AKIDEXAMPLE", 11) == 0);
    CHECK(auth.service_len == 7 && memcmp(auth.service, "service", 7) == 0);

    /* one byte more, or one byte different, in the payload */
    char body[64] = "x";
    ddb_sigv4_request_t bad = req;
    if (v->body) {
        snprintf(body, sizeof body, "%s", v->body);
        body[0] ^= 1;
    }
    bad.payload = body;
    bad.payload_len = strlen(body);
    CHECK(receive(a, &bad, SECRET) == DDB_SIGV4_ERR_MISMATCH);

    /* one byte of each signed header's value (the dates below) */
    for (size_t i = 0; i < n - 1; i++) {
        if (strcmp(h[i].name, "X-Amz-Date") == 0) continue;
        if (v->flags & DDB_SIGV4_UNSIGNED_TOKEN && strcmp(h[i].name, "X-Amz-Security-Token") == 0)
            continue;
        ddb_sigv4_header_t changed[12];
        memcpy(changed, h, n * sizeof *h);
        char value[512];
        snprintf(value, sizeof value, "%s", h[i].value);
        value[strlen(value) - 1] ^= 1;
        changed[i].value = value;
        bad = req;
        bad.headers = changed;
        CHECK(receive(a, &bad, SECRET) == DDB_SIGV4_ERR_MISMATCH);
    }

    /* the date: a second later is another signature, a day later another scope */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(h[i].name, "X-Amz-Date") != 0) continue;
        ddb_sigv4_header_t changed[12];
        memcpy(changed, h, n * sizeof *h);
        bad = req;
        bad.headers = changed;
        changed[i].value = "20150830T123601Z";
        CHECK(receive(a, &bad, SECRET) == DDB_SIGV4_ERR_MISMATCH);
        changed[i].value = "20150831T123600Z";
        CHECK(receive(a, &bad, SECRET) == DDB_SIGV4_ERR_SCOPE_DATE);
    }
    if (check_failed_ != failed_before) fprintf(stderr, "in vector %s\n", v->name);
    ddb_arena_reset(a);
}

/* A DescribeTable request as an SDK sends it. The expected Authorization was computed once
 * with botocore 1.43 (botocore.auth.SigV4Auth, service "dynamodb", region "us-east-1", time
 * frozen at 2015-08-30T12:36:00Z, same credentials), a second implementation independent of
 * this one; the signer adds X-Amz-Date itself, as botocore does. */
static void test_dynamodb(ddb_arena_t *a) {
    static const char body[] = "{\"TableName\":\"Music\"}";
    ddb_sigv4_header_t h[6] = {
        hdr("Content-Type", "application/x-amz-json-1.0"),
        hdr("X-Amz-Target", "DynamoDB_20120810.DescribeTable"),
        hdr("Host", "dynamodb.us-east-1.amazonaws.com"),
    };
    ddb_sigv4_request_t req = {.method = "POST",
                               .method_len = 4,
                               .path = "/",
                               .path_len = 1,
                               .headers = h,
                               .n_headers = 3,
                               .payload = body,
                               .payload_len = strlen(body)};
    ddb_sigv4_credentials_t cred = {"AKIDEXAMPLE", 11, SECRET, strlen(SECRET), NULL, 0, NULL};
    ddb_sigv4_scope_t scope = {"20150830T123600Z", "us-east-1", 9, "dynamodb", 8};
    ddb_sigv4_signed_t out;
    CHECK(ddb_sigv4_sign(a, &req, &cred, &scope, &out) == DDB_SIGV4_OK);
    CHECK_STR(out.authorization,
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
              "Signature=23ad5f88fe52353cc06196d0bcd0d0f371df0b33b3299a398ed238e5e84a6fa9");
    CHECK_STR(out.amz_date, "20150830T123600Z");
    CHECK_STR(out.signed_headers, "content-type;host;x-amz-date;x-amz-target");

    /* the server's view: the headers in another order and case, plus unsigned ones */
    ddb_sigv4_header_t got[8] = {
        hdr("host", "dynamodb.us-east-1.amazonaws.com"),
        hdr("user-agent", "Boto3/1.34"),
        hdr("X-AMZ-DATE", "20150830T123600Z"),
        hdr("content-type", "application/x-amz-json-1.0"),
        hdr("Authorization", out.authorization),
        hdr("x-amz-target", "DynamoDB_20120810.DescribeTable"),
        hdr("Content-Length", "21"),
    };
    req.headers = got;
    req.n_headers = 7;
    ddb_sigv4_auth_t auth;
    CHECK(ddb_sigv4_parse_header(out.authorization, out.authorization_len, got, 7, &auth) == 0);
    CHECK(auth.service_len == 8 && memcmp(auth.service, "dynamodb", 8) == 0);
    CHECK(ddb_sigv4_verify(a, &req, &auth, SECRET, strlen(SECRET), NULL, NULL) == DDB_SIGV4_OK);
    got[5].value = "DynamoDB_20120810.DeleteTable";
    got[5].value_len = strlen(got[5].value);
    CHECK(ddb_sigv4_verify(a, &req, &auth, SECRET, strlen(SECRET), NULL, NULL) ==
          DDB_SIGV4_ERR_MISMATCH);
    ddb_arena_reset(a);
}

/* Presigned URLs. The S3 one is AWS's documented example ("Authenticating Requests: Using Query
 * Parameters": examplebucket/test.txt, signature aeeed9bb...), which botocore's
 * S3SigV4QueryAuth also produces; the second (non-S3: the path is encoded twice, the token is
 * signed, the payload hashed) was computed once with botocore's SigV4QueryAuth. */
static void test_presign(ddb_arena_t *a) {
    static const char s3_secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    ddb_sigv4_header_t h[1] = {hdr("Host", "examplebucket.s3.amazonaws.com")};
    ddb_sigv4_request_t req = {.method = "GET",
                               .method_len = 3,
                               .path = "/test.txt",
                               .path_len = 9,
                               .headers = h,
                               .n_headers = 1,
                               .payload_hash = DDB_SIGV4_UNSIGNED_PAYLOAD,
                               .payload_hash_len = strlen(DDB_SIGV4_UNSIGNED_PAYLOAD),
                               .flags = DDB_SIGV4_S3_PATH};
    ddb_sigv4_credentials_t cred = {
        "AKIAIOSFODNN7EXAMPLE", 20, s3_secret, strlen(s3_secret), NULL, 0, NULL};
    ddb_sigv4_scope_t scope = {"20130524T000000Z", "us-east-1", 9, "s3", 2};
    ddb_sigv4_signed_t out;
    CHECK(ddb_sigv4_presign(a, &req, &cred, &scope, 86400, &out) == DDB_SIGV4_OK);
    CHECK_STR(out.query, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
                         "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
                         "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
                         "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    CHECK(out.authorization == NULL);

    /* the server: parse the query, verify (X-Amz-Signature is not signed), check the clock */
    ddb_sigv4_auth_t auth;
    req.query = out.query;
    req.query_len = out.query_len;
    CHECK(ddb_sigv4_parse_query(a, out.query, out.query_len, &auth) == DDB_SIGV4_OK);
    CHECK(auth.presigned && auth.expires == 86400);
    CHECK_STR(auth.amz_date, "20130524T000000Z");
    CHECK(auth.access_key_id_len == 20 && auth.signed_headers_len == 4);
    CHECK(ddb_sigv4_verify(a, &req, &auth, s3_secret, strlen(s3_secret), NULL, NULL) == 0);
    CHECK(ddb_sigv4_verify(a, &req, &auth, SECRET, strlen(SECRET), NULL, NULL) ==
          DDB_SIGV4_ERR_MISMATCH);
    int64_t t0;
    CHECK(ddb_sigv4_parse_date("20130524T000000Z", 16, &t0) == DDB_SIGV4_OK);
    CHECK(ddb_sigv4_check_time(&auth, t0 + 86400, DDB_SIGV4_MAX_SKEW) == DDB_SIGV4_OK);
    CHECK(ddb_sigv4_check_time(&auth, t0 + 86401, DDB_SIGV4_MAX_SKEW) == DDB_SIGV4_ERR_EXPIRED);
    CHECK(ddb_sigv4_check_time(&auth, t0 - 901, DDB_SIGV4_MAX_SKEW) ==
          DDB_SIGV4_ERR_NOT_YET_CURRENT);
    /* a parameter added after signing is caught */
    char longer[512];
    snprintf(longer, sizeof longer, "%s&x=1", out.query);
    req.query = longer;
    req.query_len = strlen(longer);
    CHECK(ddb_sigv4_verify(a, &req, &auth, s3_secret, strlen(s3_secret), NULL, NULL) ==
          DDB_SIGV4_ERR_MISMATCH);

    ddb_sigv4_header_t h2[1] = {hdr("Host", "example.amazonaws.com")};
    ddb_sigv4_request_t req2 = {.method = "GET",
                                .method_len = 3,
                                .path = "/a%20b/c",
                                .path_len = 8,
                                .query = "Action=ListUsers&Version=2010-05-08",
                                .query_len = 35,
                                .headers = h2,
                                .n_headers = 1};
    ddb_sigv4_credentials_t cred2 = {"AKIDEXAMPLE",       11, SECRET, strlen(SECRET),
                                     "TOKEN/with+chars=", 17, NULL};
    ddb_sigv4_signed_t out2;
    CHECK(ddb_sigv4_presign(a, &req2, &cred2, &suite_scope, 300, &out2) == DDB_SIGV4_OK);
    CHECK_STR(out2.query,
              "Action=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
              "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&"
              "X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&"
              "X-Amz-Security-Token=TOKEN%2Fwith%2Bchars%3D&X-Amz-Signature="
              "e69a50e1bbbe1ce397b26ed5495badc003b25836b5b28517eab21079fccaa8b9");
    CHECK(strstr(out2.canonical_request, "GET\n/a%2520b/c\n") == out2.canonical_request);
    req2.query = out2.query;
    req2.query_len = out2.query_len;
    CHECK(ddb_sigv4_parse_query(a, out2.query, out2.query_len, &auth) == DDB_SIGV4_OK);
    CHECK(auth.security_token_len == 17 &&
          memcmp(auth.security_token, "TOKEN/with+chars=", 17) == 0);
    CHECK(ddb_sigv4_verify(a, &req2, &auth, SECRET, strlen(SECRET), NULL, NULL) == 0);
    CHECK(ddb_sigv4_check_time(&auth, 1440938160 + 300, DDB_SIGV4_MAX_SKEW) == DDB_SIGV4_OK);
    CHECK(ddb_sigv4_check_time(&auth, 1440938160 + 301, DDB_SIGV4_MAX_SKEW) ==
          DDB_SIGV4_ERR_EXPIRED);
    ddb_arena_reset(a);
}

#define CRED "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
#define SIG  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

/* What verify checks beyond the signature itself. */
static void test_verify_checks(ddb_arena_t *a) {
    ddb_sigv4_header_t h[3] = {hdr("Host", "example.amazonaws.com"),
                               hdr("X-Amz-Date", "20150830T123600Z")};
    ddb_sigv4_request_t req = {
        .method = "GET", .method_len = 3, .path = "/", .path_len = 1, .headers = h, .n_headers = 2};
    static const struct {
        const char *value;
        ddb_sigv4_status_t want;
    } cases[] = {
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;x-amz-date, " SIG, DDB_SIGV4_OK},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;x-amz-date, Signature=5fa0",
         DDB_SIGV4_ERR_MISMATCH},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=x-amz-date, " SIG,
         DDB_SIGV4_ERR_HOST_NOT_SIGNED},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;my-header1;x-amz-date, " SIG,
         DDB_SIGV4_ERR_HEADER_MISSING},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150829/us-east-1/service/aws4_request, "
         "SignedHeaders=host;x-amz-date, " SIG,
         DDB_SIGV4_ERR_SCOPE_DATE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_sigv4_auth_t auth;
        CHECK(ddb_sigv4_parse_header(cases[i].value, strlen(cases[i].value), h, 2, &auth) == 0);
        ddb_sigv4_status_t st =
            ddb_sigv4_verify(a, &req, &auth, SECRET, strlen(SECRET), NULL, NULL);
        if (st != cases[i].want)
            fprintf(stderr, "verify case %zu: %s\n", i, ddb_sigv4_status_name(st));
        CHECK(st == cases[i].want);
    }
    ddb_arena_reset(a);
}

/* AWS's documented derivation example (secret of the test suite, 20120215, us-east-1, iam). */
static void test_signing_key(void) {
    unsigned char k[32];
    ddb_sigv4_signing_key(SECRET, strlen(SECRET), "20120215", 8, "us-east-1", 9, "iam", 3, k);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", k[i]);
    CHECK_STR(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

/* Canonical URIs beyond the suite: dot segments inside the path, double encoding of an
 * encoded path, and S3's rules (kept as is, encoded once); canonical queries: '+' is literal,
 * a bare name gets '=', empty pieces vanish. */
static void test_canonical_forms(ddb_arena_t *a) {
    static const struct {
        const char *path, *query;
        unsigned flags;
        const char *want; /* the canonical URI and query lines */
    } cases[] = {
        {"/a/b/../c/./d/", "", 0, "/a/c/d/\n\n"},
        {"/a/b/..", "", 0, "/a/\n\n"},
        {"/../../a", "", 0, "/a\n\n"},
        {"", "", 0, "/\n\n"},
        {"/a%20b/%E1%88%B4", "", 0, "/a%2520b/%25E1%2588%25B4\n\n"},
        {"//a%20b/./c$", "", DDB_SIGV4_S3_PATH, "//a%20b/./c%24\n\n"},
        {"/", "b=2&a&&c=x+y&a=%7e%2f", 0, "/\na=&a=~%2F&b=2&c=x%2By\n"},
        {"/", "k=%zz&k=%4", 0, "/\nk=%254&k=%25zz\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_sigv4_header_t h[1] = {hdr("Host", "h")};
        ddb_sigv4_request_t req = {.method = "GET",
                                   .method_len = 3,
                                   .path = cases[i].path,
                                   .path_len = strlen(cases[i].path),
                                   .query = cases[i].query,
                                   .query_len = strlen(cases[i].query),
                                   .headers = h,
                                   .n_headers = 1,
                                   .flags = cases[i].flags};
        ddb_sigv4_credentials_t cred = {"AKIDEXAMPLE", 11, SECRET, strlen(SECRET), NULL, 0, NULL};
        ddb_sigv4_signed_t out;
        CHECK(ddb_sigv4_sign(a, &req, &cred, &suite_scope, &out) == DDB_SIGV4_OK);
        const char *got = out.canonical_request + 4;
        CHECK(strncmp(got, cases[i].want, strlen(cases[i].want)) == 0);
        if (strncmp(got, cases[i].want, strlen(cases[i].want)) != 0)
            fprintf(stderr, "canonical case %zu: %.*s\n", i, (int)strlen(cases[i].want), got);
    }
    /* bad arguments are refused, not signed */
    ddb_sigv4_request_t req = {.method = "GET", .method_len = 3};
    ddb_sigv4_credentials_t cred = {"AKIDEXAMPLE", 11, SECRET, strlen(SECRET), NULL, 0, NULL};
    ddb_sigv4_scope_t scope = {"20150830T123600Z", "us-east-1/x", 11, "service", 7};
    ddb_sigv4_signed_t out;
    CHECK(ddb_sigv4_sign(a, &req, &cred, &scope, &out) == DDB_SIGV4_ERR_ARGUMENT);
    scope = (ddb_sigv4_scope_t){"2015-08-30", "us-east-1", 9, "service", 7};
    CHECK(ddb_sigv4_sign(a, &req, &cred, &scope, &out) == DDB_SIGV4_ERR_ARGUMENT);
    CHECK(ddb_sigv4_presign(a, &req, &cred, &suite_scope, 604801, &out) == DDB_SIGV4_ERR_ARGUMENT);
    ddb_arena_reset(a);
}

int main(void) {
    ddb_arena_t *a = ddb_arena_create(0);
    for (size_t i = 0; i < sizeof suite / sizeof suite[0]; i++)
        run_vector(a, &suite[i]);
    test_dynamodb(a);
    test_presign(a);
    test_verify_checks(a);
    test_signing_key();
    test_canonical_forms(a);
    ddb_arena_destroy(a);
    return check_summary();
}
