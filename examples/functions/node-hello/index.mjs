// A Node.js function for `lambdascope local`: run through AWS's runtime interface client (aws-lambda-ric),
// exactly as Lambda's nodejs runtime runs it.
//   lambdascope local --function examples/functions/node-hello --events examples/functions/node-hello/events.jsonl

function fibonacci(n) {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

// The demo's planted slow path: some requests ({"report": true}) also build a report, which costs time.
function buildReport(ms) {
  const end = Date.now() + ms;
  let rows = 0;
  while (Date.now() < end) for (let k = 0; k < 1000; k++) rows += Math.sqrt(rows + k) % 7;
  return rows;
}

export const handler = async (event, context) => {
  const n = Number.isInteger(event?.n) ? event.n : 20;
  console.log(`computing fibonacci(${n})`);
  return {
    message: `hello from ${context.functionName}`,
    requestId: context.awsRequestId,
    fibonacci: fibonacci(n),
    report: event?.report ? buildReport(150) : undefined,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
