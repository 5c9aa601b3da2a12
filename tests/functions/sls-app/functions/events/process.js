// An async handler, as a Serverless Framework project writes one: it logs and answers with
// what it got, the context fields Lambda gives, and its pid (to tell workers apart).
const started = Date.now();
console.log('cold start');

module.exports.handler = async (event, context) => {
  console.log('records', event.Records ? event.Records.length : 0);
  console.warn('multi\nline');
  process.stdout.write('raw stdout write\n');
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return {
    records: event.Records ? event.Records.length : 0,
    pid: process.pid,
    started,
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remaining: context.getRemainingTimeInMillis(),
      callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    },
    env: {
      AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
      AWS_REGION: process.env.AWS_REGION,
    },
  };
};

module.exports.nested = {inner: {handler: async () => 'nested'}};
module.exports.notAFunction = 42;
