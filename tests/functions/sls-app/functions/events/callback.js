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
