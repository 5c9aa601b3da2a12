#!/usr/bin/env python3
"""http_function.py: a function reachable over HTTP, for the tests of function triggers.

python3 stdlib only. Usage: http_function.py [PORT] (0 or none: any free port); prints the port
on stdout once it listens. It plays four servers at once:

* an HTTP function (POST to any other path, e.g. /2015-03-31/functions/function/invocations as
  the Runtime Interface Emulator serves): every event is recorded;
* a Lambda Invoke API (POST /2015-03-31/functions/NAME/invocations[?Qualifier=Q]) that checks
  the SigV4 signature (secret $FN_SECRET, default "test"; 403 otherwise; the emulator's name
  "function" is not checked) and answers function
  errors as Lambda does (200 + X-Amz-Function-Error: Unhandled); the function "missing" is a 404
  ResourceNotFoundException;
* an SQS/SNS query-protocol recorder: a form POST with Action=SendMessage or Action=Publish is
  recorded in /messages and answered with SendMessageResponse / PublishResponse XML;
* its own control: GET /events (the recorded invocations: {path, function, qualifier, headers,
  body (parsed JSON or text), answer, time, peer (the client's port)}), DELETE /events; GET /messages, DELETE /messages;
  POST /control {...} sets how invocations are answered; GET /control shows it.

Control fields (each optional; POST /control replaces the whole setting):
  mode: "ok" (default) | "fail" | "timeout" | "crash" | "partial"
        ok: 200 with `body` if given, else {"batchItemFailures": []}
        fail: {errorType: "Error", errorMessage: "told to fail"}; with status: that HTTP status,
              else 200 and X-Amz-Function-Error: Unhandled
        timeout: sleeps delay_ms (default 0), then answers Lambda's timed-out error body
        crash: closes the connection without an answer; with status: that status, empty body
        partial: {"batchItemFailures": [{"itemIdentifier": SEQ}...]} for each of fail_ids (the
                 sequence numbers) found in the batch (all of fail_ids with "raw_ids": true)
  delay_ms: wait this long before answering (any mode)
  fail_count: apply the mode to the next N invocations only, then answer "ok"
  fail_if_contains: "TEXT": a batch holding a record whose JSON text contains TEXT answers as
        `mode` (default "fail"); every other batch answers ok (for bisection tests)
  status, body, raw_ids: as above
"""
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
EVENTS = []
MESSAGES = []
CONTROL = {}
SECRET = __import__('os').environ.get('FN_SECRET', 'test')
INVOKE_RE = re.compile(r'^/2015-03-31/functions/([^/]+)/invocations$')


def sigv4_check(method, path, query, headers, body):
    """None when the request carries a valid SigV4 signature for service lambda, else why not."""
    auth = headers.get('Authorization', '')
    m = re.fullmatch(r'AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, '
                     r'SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})', auth)
    if not m:
        return 'malformed Authorization: %r' % auth
    _, day, region, service, signed, sig = m.groups()
    amz_date = headers.get('X-Amz-Date', '')
    if not re.fullmatch(r'\d{8}T\d{6}Z', amz_date) or amz_date[:8] != day:
        return 'bad X-Amz-Date %r' % amz_date
    names = signed.split(';')
    if 'host' not in names or 'x-amz-date' not in names:
        return 'host and x-amz-date must be signed: %s' % signed
    canon_headers = ''.join('%s:%s\n' % (n, ' '.join((headers.get(n) or '').split()))
                            for n in names)
    pairs = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    canon_query = '&'.join('%s=%s' % (urllib.parse.quote(k, safe='-_.~'),
                                      urllib.parse.quote(v, safe='-_.~')) for k, v in pairs)
    canon_path = '/'.join(urllib.parse.quote(s, safe='-_.~') for s in path.split('/'))
    creq = '\n'.join([method, canon_path, canon_query, canon_headers, signed,
                      hashlib.sha256(body).hexdigest()])
    scope = '%s/%s/%s/aws4_request' % (day, region, service)
    sts = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = ('AWS4' + SECRET).encode()
    for part in (day, region, service, 'aws4_request'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return 'signature mismatch'
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive: ddbd reuses connections

    def log_message(self, *args):
        pass

    def reply(self, status, body=b'', headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status, obj, headers=()):
        self.reply(status, json.dumps(obj), [('Content-Type', 'application/json')] + list(headers))

    def do_GET(self):
        with LOCK:
            what = {'/events': EVENTS, '/messages': MESSAGES, '/control': CONTROL}.get(self.path)
            text = json.dumps(what) if what is not None else None
        if text is None:
            return self.reply(404, 'no such path')
        self.reply(200, text, [('Content-Type', 'application/json')])

    def do_DELETE(self):
        with LOCK:
            if self.path == '/events':
                EVENTS.clear()
            elif self.path == '/messages':
                MESSAGES.clear()
            else:
                return self.reply(404, 'no such path')
        self.reply(200, '{}')

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        url = urllib.parse.urlsplit(self.path)
        if url.path == '/control':
            with LOCK:
                CONTROL.clear()
                CONTROL.update(json.loads(raw or b'{}'))
            return self.reply(200, '{}')
        ctype = self.headers.get('Content-Type', '')
        if ctype.startswith('application/x-www-form-urlencoded'):
            return self.query_protocol(url, raw)
        m = INVOKE_RE.match(url.path)
        lam = None
        if m:
            qual = urllib.parse.parse_qs(url.query).get('Qualifier', [None])[0]
            lam = {'function': urllib.parse.unquote(m.group(1)), 'qualifier': qual}
            # the Runtime Interface Emulator's fixed name "function" takes unsigned calls
            why = None
            if lam['function'] != 'function':
                why = sigv4_check('POST', url.path, url.query, self.headers, raw)
            if why:
                return self.reply_json(403, {'message': why},
                                       [('x-amzn-ErrorType', 'InvalidSignatureException')])
            if lam['function'] == 'missing':
                return self.reply_json(
                    404, {'Type': 'User', 'message': 'Function not found: missing'},
                    [('x-amzn-ErrorType', 'ResourceNotFoundException')])
        self.invocation(url, raw, lam)

    def query_protocol(self, url, raw):
        form = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
        action = form.get('Action')
        with LOCK:
            MESSAGES.append({'path': url.path, 'form': form,
                             'authorization': self.headers.get('Authorization', '')})
        if action == 'SendMessage':
            md5 = hashlib.md5(form.get('MessageBody', '').encode()).hexdigest()
            xml = ('<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
                   '<SendMessageResult><MD5OfMessageBody>%s</MD5OfMessageBody>'
                   '<MessageId>%08d-0000-0000-0000-000000000000</MessageId></SendMessageResult>'
                   '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>'
                   '</SendMessageResponse>' % (md5, len(MESSAGES)))
        elif action == 'Publish':
            xml = ('<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
                   '<PublishResult><MessageId>%08d-0000-0000-0000-000000000000</MessageId>'
                   '</PublishResult><ResponseMetadata><RequestId>r</RequestId>'
                   '</ResponseMetadata></PublishResponse>' % len(MESSAGES))
        else:
            xml = ('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>'
                   '<Message>The action %s is not valid for this endpoint.</Message></Error>'
                   '</ErrorResponse>' % action)
            return self.reply(400, xml, [('Content-Type', 'text/xml')])
        self.reply(200, xml, [('Content-Type', 'text/xml')])

    def invocation(self, url, raw, lam):
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors='replace')
        with LOCK:
            ctl = dict(CONTROL)
            mode = ctl.get('mode', 'ok')
            if 'fail_if_contains' in ctl:
                records = body.get('Records', []) if isinstance(body, dict) else []
                hit = any(ctl['fail_if_contains'] in json.dumps(r) for r in records)
                mode = (ctl.get('mode') if ctl.get('mode', 'ok') != 'ok' else 'fail') if hit else 'ok'
            if ctl.get('fail_count') is not None:
                if CONTROL['fail_count'] > 0:
                    CONTROL['fail_count'] -= 1
                else:
                    mode = 'ok'
            entry = {'path': url.path, 'headers': dict(self.headers), 'body': body, 'answer': mode,
                     'time': time.time(), 'peer': self.client_address[1]}
            if lam:
                entry.update(lam)
            EVENTS.append(entry)
        if ctl.get('delay_ms'):
            time.sleep(ctl['delay_ms'] / 1000.0)
        status = ctl.get('status')
        fn_err = [('X-Amz-Function-Error', 'Unhandled')]
        if mode == 'fail':
            err = {'errorType': 'Error', 'errorMessage': 'told to fail'}
            if status:
                return self.reply_json(status, err)
            return self.reply_json(200, err, fn_err)
        if mode == 'timeout':
            err = {'errorType': 'Sandbox.Timedout',
                   'errorMessage': 'RequestId: r Error: Task timed out after 3.00 seconds'}
            return self.reply_json(200, err, fn_err if lam else ())
        if mode == 'crash':
            if status:
                return self.reply(status, b'')
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if mode == 'partial':
            ids = ctl.get('fail_ids', [])
            if not ctl.get('raw_ids'):
                seqs = [r.get('dynamodb', {}).get('SequenceNumber')
                        for r in (body.get('Records', []) if isinstance(body, dict) else [])]
                ids = [i for i in ids if i in seqs]
            return self.reply_json(200, {'batchItemFailures': [{'itemIdentifier': i} for i in ids]})
        if 'body' in ctl:
            return self.reply(200, ctl['body'], [('Content-Type', 'application/json')])
        self.reply_json(200, {'batchItemFailures': []})


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = ThreadingHTTPServer(('127.0.0.1', port), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == '__main__':
    main()
