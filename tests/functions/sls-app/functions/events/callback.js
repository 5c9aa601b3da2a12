// The callback style: no promise, the answer comes through callback (or context.succeed).
exports.handler = function (event, context, callback) {
  setTimeout(() => callback(null, {style: 'callback', got: event.x}), 5);
};

exports.fails = function (event, context, callback) {
  callback(new RangeError('out of range'));
};

exports.failsWithString = function (event, context, callback) {
  callback('plain string');
};

exports.succeed = function (event, context) {
  context.succeed({style: 'succeed'});
};

// Neither a promise nor the callback: Lambda answers null once the event loop is empty, here
// after the timer (whose side effect must have happened by then).
exports.noAnswer = function (event) {
  setTimeout(() => {
    globalThis.ranAfter = (globalThis.ranAfter || 0) + 1;
    require('fs').writeFileSync(event.file, 'timer ran');
  }, 30);
  return 'ignored: a non-async handler answers through its callback';
};
