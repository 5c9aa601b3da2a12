// Handlers that fail in each way a Lambda handler can.
class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}

module.exports.throws = async () => {
  throw new ValidationError('bad record');
};

module.exports.throwsSync = () => {
  throw new Error('sync boom');
};

module.exports.rejects = () => Promise.reject(new TypeError('rejected'));
