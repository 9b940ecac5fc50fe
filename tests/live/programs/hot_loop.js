// A Node.js program whose CPU goes to one named JS function, hotLoop, until the file argv[2] exists (or
// argv[1] seconds pass). For `record --node --listen`: every endpoint must name hotLoop.
const fs = require("fs");
const seconds = Number(process.argv[2] || 30);
const stopFile = process.argv[3];
let sink = 0;
function hotLoop(n) {
  let x = sink;
  for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) % 2147483647;
  return x;
}
const end = Date.now() + seconds * 1000;
while (Date.now() < end && !(stopFile && fs.existsSync(stopFile))) sink = hotLoop(2000000);
console.log("done");
