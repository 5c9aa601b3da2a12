// Ends the runtime in the middle of an invocation.
module.exports.handler = async (event) => {
  console.log('exiting with', event.code);
  process.exit(event.code);
};

module.exports.crashes = async () => {
  process.kill(process.pid, 'SIGKILL');
};
