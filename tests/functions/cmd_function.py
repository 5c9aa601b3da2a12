#!/usr/bin/env python3
"""cmd_function.py: a cmd: function for the tests: the event on stdin, the answer on stdout.

The event decides: {"exit": N} exits N after printing an error body, {"sleep": S} sleeps S
seconds first, {"crash": true} kills itself with SIGKILL, {"noread": true} exits without
reading stdin; otherwise it answers {"records": N, "args": [...], "fn": $AWS_LAMBDA_FUNCTION_NAME}.
Each run writes one line to stderr."""
import json
import os
import signal
import sys
import time

if '--noread' in sys.argv:
    sys.stdout.write('{"unread": true}')
    sys.exit(0)
event = json.loads(sys.stdin.read())
sys.stderr.write('cmd got %d records\n' % len(event.get('Records', [])))
sys.stderr.flush()
if event.get('sleep'):
    time.sleep(event['sleep'])
if event.get('crash'):
    os.kill(os.getpid(), signal.SIGKILL)
if 'exit' in event:
    print(json.dumps({'errorType': 'CmdError', 'errorMessage': 'asked to exit'}))
    sys.exit(event['exit'])
print(json.dumps({'records': len(event.get('Records', [])), 'args': sys.argv[1:],
                  'fn': os.environ.get('AWS_LAMBDA_FUNCTION_NAME')}))
