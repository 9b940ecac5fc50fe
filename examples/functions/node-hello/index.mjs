// A Node.js function for `lambdascope local`: run through AWS's runtime interface client (aws-lambda-ric),
// exactly as Lambda's nodejs runtime runs it.
//   lambdascope local --function examples/functions/node-hello --events examples/functions/node-hello/events.jsonl

function fibonacci(n) {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

export const handler = async (event, context) => {
  const n = Number.isInteger(event?.n) ? event.n : 20;
  console.log(`computing fibonacci(${n})`);
  return {
    message: `hello from ${context.functionName}`,
    requestId: context.awsRequestId,
    fibonacci: fibonacci(n),
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
