"""A test fixture: the TensorFlow.js port with a chain-rule slip in its JavaScript. The hidden
neurons' sigmoid gets a custom gradient that forgets the factor (1 - f) (its slope taken as f),
so tf.grads returns wrong partials for w1..w4, b1 and b2 while the forward pass is right. The
copy of ports/tfjs_network.js lives in a temporary folder, removed when the process ends."""

import atexit
import shutil
import tempfile
from pathlib import Path

from nn_crosscheck.ports import tfjs

NAME = "tfjsslip"
MODES, DTYPES, DEVICES, UNAVAILABLE_MODES = tfjs.MODES, tfjs.DTYPES, tfjs.DEVICES, tfjs.UNAVAILABLE_MODES
HIDDEN = "const h = tf.sigmoid(tf.add(tf.matMul(X, hiddenW), hiddenB));"
SLIPPED = (
    "const slip = tf.customGrad((z, save) => {\n"
    "    const f = tf.sigmoid(z);\n"
    "    save([f]);\n"
    "    return { value: f, gradFunc: (dy, [saved]) => tf.mul(dy, saved) };  // f' = f: (1 - f) forgotten\n"
    "  });\n"
    "  const h = slip(tf.add(tf.matMul(X, hiddenW), hiddenB));"
)

_source = tfjs.NETWORK.read_text()
assert _source.count(HIDDEN) == 1, "tfjs_network.js no longer has the hidden layer this fixture slips"
_folder = Path(tempfile.mkdtemp(prefix="nn-crosscheck-tfjs-slip-"))
atexit.register(shutil.rmtree, _folder, ignore_errors=True)
(_folder / "tfjs_network.js").write_text(_source.replace(HIDDEN, SLIPPED))
_port = tfjs.Port(_folder / "tfjs_network.js")
forward, loss_and_grads, train = _port.forward, _port.loss_and_grads, _port.train
