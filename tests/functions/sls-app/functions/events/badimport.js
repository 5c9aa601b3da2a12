// Requires a module that does not exist: Lambda's Runtime.ImportModuleError.
require('./no-such-module');
module.exports.handler = async () => 'unreachable';
