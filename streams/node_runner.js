// node_runner.js: the Node.js worker ddbd runs for a --function NAME=node:PATH.EXPORT; its text
// is compiled into ddbd (CMake turns it into a C string) and run with `node -e`. It loads the
// handler file once, unchanged, as Lambda's Node runtime does, then answers invocations framed
// on fd 3 (a socket to ddbd) and never writes a frame anywhere else: stdout/stderr carry only
// log lines, so nothing the handler prints can disturb the protocol.
//
// Frames, both ways, are "TYPE LEN\n" + LEN bytes. ddbd -> worker: "I LEN\n" + a JSON header
// line {requestId, deadline (epoch ms)} + "\n" + the event. worker -> ddbd: "READY 0\n" once
// initialised, then per invocation "R LEN\n" + the result JSON or "E LEN\n" + {errorType,
// errorMessage, trace}.
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const url = require('url');
const crypto = require('crypto');
const asyncHooks = require('async_hooks');

const env = process.env;
const fnName = env.DDB_FN_NAME;
const handlerSpec = env.DDB_FN_HANDLER; // e.g. functions/events/process.handler
const fnArn = env.DDB_FN_ARN;
const region = env.DDB_FN_REGION || 'us-east-1';
for (const k of ['DDB_FN_NAME', 'DDB_FN_HANDLER', 'DDB_FN_ARN', 'DDB_FN_REGION']) delete env[k];

const now = new Date();
const logStreamName = now.toISOString().slice(0, 10).replace(/-/g, '/') + '/[$LATEST]' +
                      crypto.randomBytes(16).toString('hex');
Object.assign(env, {
    AWS_LAMBDA_FUNCTION_NAME: fnName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/' + fnName,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_REGION: env.AWS_REGION || region,
    AWS_DEFAULT_REGION: env.AWS_DEFAULT_REGION || region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs' + process.versions.node.split('.')[0] + '.x',
    LAMBDA_TASK_ROOT: process.cwd(),
    _HANDLER: handlerSpec,
});

// console.* as Lambda's runtime writes them: one line per call (newlines become \r), with the
// time, the current request id and the level.
let currentId = undefined;
function logger(level, fd) {
    return (...args) => {
        const msg = util.format(...args).replace(/\n/g, '\r');
        const line = `${new Date().toISOString()}\t${currentId || 'undefined'}\t${level}\t${msg}\n`;
        try {
            fs.writeSync(fd, line);
        } catch (e) {
            // a closed log pipe must not take the handler down
        }
    };
}
console.log = logger('INFO', 1);
console.info = logger('INFO', 1);
console.debug = logger('DEBUG', 1);
console.warn = logger('WARN', 2);
console.error = logger('ERROR', 2);
console.trace = logger('TRACE', 2);

function errorShape(err, typeOverride) {
    if (err instanceof Error) {
        return {
            errorType: typeOverride || err.name || 'Error',
            errorMessage: err.message,
            trace: String(err.stack || '').split('\n'),
        };
    }
    if (typeof err === 'string') return {errorType: typeOverride || 'string', errorMessage: err};
    let text;
    try {
        text = JSON.stringify(err);
    } catch (e) {
        text = String(err);
    }
    return {errorType: typeOverride || typeof err, errorMessage: text};
}

// Lambda's handler resolution: the module is the path up to the first '.' of the last path
// component; the rest is the export, dotted paths naming nested members.
async function loadHandler() {
    const slash = handlerSpec.lastIndexOf('/');
    const base = handlerSpec.slice(slash + 1);
    const dot = base.indexOf('.');
    if (dot <= 0) {
        throw Object.assign(new Error(`Bad handler ${handlerSpec}`), {lambdaType: 'Runtime.MalformedHandlerName'});
    }
    const modPath = path.resolve(handlerSpec.slice(0, slash + 1) + base.slice(0, dot));
    const exportPath = base.slice(dot + 1);
    let mod;
    const tryFile = (ext) => fs.existsSync(modPath + ext) && fs.statSync(modPath + ext).isFile();
    try {
        if (tryFile('.js')) {
            try {
                mod = require(modPath + '.js');
            } catch (e) {
                if (e.code !== 'ERR_REQUIRE_ESM') throw e;
                mod = await import(url.pathToFileURL(modPath + '.js').href);
            }
        } else if (tryFile('.mjs')) {
            mod = await import(url.pathToFileURL(modPath + '.mjs').href);
        } else if (tryFile('.cjs')) {
            mod = require(modPath + '.cjs');
        } else {
            throw Object.assign(new Error(`Cannot find module '${base.slice(0, dot)}'`), {
                code: 'MODULE_NOT_FOUND',
            });
        }
    } catch (e) {
        if (e instanceof SyntaxError) {
            throw Object.assign(new Error(`${e.name}: ${e.message}`), {lambdaType: 'Runtime.UserCodeSyntaxError'});
        }
        if (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') {
            throw Object.assign(new Error(`Error: ${e.message}`), {lambdaType: 'Runtime.ImportModuleError'});
        }
        throw e;
    }
    let fn = mod;
    for (const part of exportPath.split('.')) fn = fn == null ? undefined : fn[part];
    if (fn === undefined && mod && mod.default) {
        // an ESM default export of a CommonJS-style object
        fn = mod.default;
        for (const part of exportPath.split('.')) fn = fn == null ? undefined : fn[part];
    }
    if (fn === undefined) {
        throw Object.assign(new Error(`${base} is undefined or not exported`), {lambdaType: 'Runtime.HandlerNotFound'});
    }
    if (typeof fn !== 'function') {
        throw Object.assign(new Error(`${base} is not a function`), {lambdaType: 'Runtime.HandlerNotFound'});
    }
    return fn;
}

const sock = new net.Socket({fd: 3, readable: true, writable: true});
function send(type, payload) {
    const body = Buffer.from(payload === undefined ? '' : payload);
    sock.write(`${type} ${body.length}\n`);
    sock.write(body);
}

let handler = null;
let initError = null;
let inflight = null; // {id, done(kind, payload)} of the invocation being run

function invoke(header, eventText) {
    currentId = header.requestId;
    let finished = false;
    const finish = (type, payload) => {
        if (finished) return;
        finished = true;
        inflight = null;
        pending = null;
        send(type, payload);
    };
    pending = new Set();
    inflight = {finish};
    if (initError) return finish('E', JSON.stringify(initError));
    let event;
    try {
        event = JSON.parse(eventText);
    } catch (e) {
        return finish('E', JSON.stringify({errorType: 'InvalidRequestContentException', errorMessage: 'Could not parse request body into json'}));
    }
    const ok = (result) => {
        let text;
        try {
            text = JSON.stringify(result === undefined ? null : result);
        } catch (e) {
            return finish('E', JSON.stringify(errorShape(e)));
        }
        finish('R', text === undefined ? 'null' : text);
    };
    const fail = (err) => finish('E', JSON.stringify(errorShape(err)));
    const callback = (err, result) => (err !== undefined && err !== null ? fail(err) : ok(result));
    const context = {
        callbackWaitsForEmptyEventLoop: true,
        functionName: fnName,
        functionVersion: '$LATEST',
        invokedFunctionArn: fnArn,
        memoryLimitInMB: '128',
        awsRequestId: header.requestId,
        logGroupName: '/aws/lambda/' + fnName,
        logStreamName,
        identity: undefined,
        clientContext: undefined,
        getRemainingTimeInMillis: () => Math.max(0, header.deadline - Date.now()),
        done: callback,
        succeed: (result) => ok(result),
        fail: (err) => fail(err === undefined || err === null ? 'handled' : err),
    };
    try {
        const r = handler(event, context, callback);
        if (r && typeof r.then === 'function') {
            r.then(ok, fail);
        } else {
            // the handler answers through the callback (or context.done/succeed/fail); one
            // that never does is answered null once the event loop is empty, as Lambda does
            whenEmpty(() => ok(null));
        }
    } catch (e) {
        fail(e);
    }
}

// The async resources (timers, sockets, file requests, ...) the current invocation started
// and that are still alive: "the event loop is empty" for Lambda's runtime means none is
// left. Promises are not event-loop work and are not counted; the runner's own polling is
// created with the tracking off.
let pending = null;
asyncHooks.createHook({
    init(id, type) {
        if (pending && type !== 'PROMISE') pending.add(id);
    },
    destroy(id) {
        if (pending) pending.delete(id);
    },
}).enable();

function whenEmpty(fn) {
    const mine = pending;
    const check = () => {
        if (pending !== mine) return; // answered meanwhile
        if (mine.size === 0) return fn();
        const saved = pending;
        pending = null;
        setTimeout(check, 1);
        pending = saved;
    };
    const saved = pending;
    pending = null;
    setImmediate(check);
    pending = saved;
}

// An exception nobody caught ends the invocation with it, then the runtime, as on Lambda:
// ddbd sees the worker exit and starts a fresh one.
process.on('uncaughtException', (err) => {
    if (inflight) inflight.finish('E', JSON.stringify(errorShape(err)));
    console.error('Uncaught Exception', err && err.stack ? err.stack : err);
    sock.end(() => process.exit(129));
});
process.on('unhandledRejection', (reason) => {
    const shape = {
        errorType: 'Runtime.UnhandledPromiseRejection',
        errorMessage: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
    };
    if (inflight) inflight.finish('E', JSON.stringify(shape));
    console.error('Unhandled Promise Rejection', shape.errorMessage);
    sock.end(() => process.exit(128));
});

let buf = Buffer.alloc(0);
sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
        const nl = buf.indexOf(10);
        if (nl < 0) return;
        const len = parseInt(buf.slice(2, nl).toString(), 10);
        if (buf.length < nl + 1 + len) return;
        const frame = buf.slice(nl + 1, nl + 1 + len);
        buf = buf.slice(nl + 1 + len);
        const hl = frame.indexOf(10);
        invoke(JSON.parse(frame.slice(0, hl).toString()), frame.slice(hl + 1).toString());
    }
});
sock.on('end', () => process.exit(0));
sock.on('error', () => process.exit(0));

loadHandler().then(
    (fn) => {
        handler = fn;
        send('READY', '');
    },
    (e) => {
        initError = errorShape(e, e && e.lambdaType);
        if (e && e.lambdaType) delete initError.trace;
        console.error(`${initError.errorType}: ${initError.errorMessage}`);
        send('READY', '');
    });
