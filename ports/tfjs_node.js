// The Node.js host of tfjs_network.js: node tfjs_node.js NODE_MODULES NETWORK_JS
// Reads one JSON request a line on stdin ({"fn": name, "args": [...]}) and writes one JSON reply
// a line on stdout ({"result": ...} or {"error": text}). Whatever TensorFlow.js prints goes to
// stderr, so stdout carries the replies alone.
const path = require("path");
const readline = require("readline");

const toStderr = (...args) => process.stderr.write(args.join(" ") + "\n");
console.log = console.info = console.warn = toStderr;
globalThis.tf = require(path.join(process.argv[2], "@tensorflow", "tfjs"));
const network = require(path.resolve(process.argv[3]));

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try {
    const { fn, args } = JSON.parse(line);
    reply = { result: network[fn](...args) };
  } catch (error) {
    reply = { error: String((error && error.stack) || error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
