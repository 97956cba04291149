// The article's network in TensorFlow.js: the forward pass, the loss's partials by tf.grads, and
// per-sample SGD with tf.train.sgd, in float32 (TensorFlow.js's CPU backend). One file for two
// hosts: Node.js (ports/tfjs_node.js requires it) and a browser page (a <script> after
// tf.min.js). `tf` is the host's global. Parameters come in under the article's names; numbers
// go out as plain arrays, which the host sends back to Python as JSON.

// The nine numbers as the layers' tensors. Weights are (in, out): hidden [[w1, w3], [w2, w4]].
function layers(p) {
  return [
    tf.tensor2d([[p.w1, p.w3], [p.w2, p.w4]], [2, 2], "float32"),
    tf.tensor1d([p.b1, p.b2], "float32"),
    tf.tensor2d([[p.w5], [p.w6]], [2, 1], "float32"),
    tf.tensor1d([p.b3], "float32"),
  ];
}

// And back: the layers' values (each flattened, row-major) under the article's names.
function named([hiddenW, hiddenB, outputW, outputB]) {
  const [w1, w3, w2, w4] = hiddenW;
  return { w1, w2, w3, w4, w5: outputW[0], w6: outputW[1], b1: hiddenB[0], b2: hiddenB[1], b3: outputB[0] };
}

function values(tensors) {
  return named(tensors.map((t) => Array.from(t.dataSync())));
}

// X (n, 2) -> o1 (n,): two sigmoid neurons, then one.
function network(X, [hiddenW, hiddenB, outputW, outputB]) {
  const h = tf.sigmoid(tf.add(tf.matMul(X, hiddenW), hiddenB));
  return tf.reshape(tf.sigmoid(tf.add(tf.matMul(h, outputW), outputB)), [-1]);
}

// The single-sample loss L = (y_true - y_pred)^2.
function loss(X, yTrue, weights) {
  return tf.sum(tf.square(tf.sub(tf.scalar(yTrue, "float32"), network(X, weights))));
}

function forward(params, X) {
  return tf.tidy(() => Array.from(network(tf.tensor2d(X, [X.length, 2], "float32"), layers(params)).dataSync()));
}

function lossAndGrads(params, x, yTrue) {
  return tf.tidy(() => {
    const weights = layers(params);
    const X = tf.tensor2d([x], [1, 2], "float32");
    const partials = tf.grads((...w) => loss(X, yTrue, w))(weights);
    return [loss(X, yTrue, weights).dataSync()[0], values(partials)];
  });
}

function train(params, data, yTrues, learnRate, epochs, recordSteps) {
  const weights = layers(params).map((t) => tf.variable(t));
  const optimizer = tf.train.sgd(learnRate);
  const samples = data.map((x) => tf.tensor2d([x], [1, 2], "float32"));
  const all = tf.tensor2d(data, [data.length, 2], "float32");
  const truths = tf.tensor1d(yTrues, "float32");
  const names = ["w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3"];
  const losses = [];
  const steps = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    samples.forEach((X, i) => {
      optimizer.minimize(() => loss(X, yTrues[i], weights), false, weights);
      if (recordSteps) {
        const now = values(weights);
        steps.push(names.map((name) => now[name]));
      }
    });
    if (epoch % 10 === 0) {
      losses.push(tf.tidy(() => tf.mean(tf.square(tf.sub(truths, network(all, weights)))).dataSync()[0]));
    }
  }
  const result = { losses, params: values(weights), steps: recordSteps ? steps : null };
  tf.dispose([...weights, ...samples, all, truths]);
  optimizer.dispose();
  return result;
}

// The article's MSE over the samples, the framework's way.
function mseLoss(yTrues, yPreds) {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(tf.tensor1d(yTrues, "float32"), tf.tensor1d(yPreds, "float32")))).dataSync()[0]);
}

// The layers as TensorFlow.js holds them, read back (the mapping test reads each number's place).
function native(params) {
  return tf.tidy(() => layers(params).map((t) => t.arraySync()));
}

// a @ b in float32 (the precision canary).
function matmul(a, b) {
  return tf.tidy(() => tf.matMul(tf.tensor2d(a, undefined, "float32"), tf.tensor2d(b, undefined, "float32")).arraySync());
}

function version() {
  return tf.version.tfjs;
}

const NETWORK = { forward, lossAndGrads, train, mseLoss, native, matmul, version };
if (typeof module !== "undefined" && module.exports) {
  module.exports = NETWORK;
} else {
  globalThis.nnNetwork = NETWORK;
}
