"""The canonical NumPy implementation of the network in "An Introduction to Neural Networks"."""

from .article import ALL_Y_TRUES, DATA, EMILY, FRANK, PARAM_NAMES
from .network import OurNeuralNetwork, Params, deriv_sigmoid, mse_loss, partials, sigmoid
from .weights import SHARED_WEIGHTS, draw, draw_many

__all__ = [
    "ALL_Y_TRUES",
    "DATA",
    "EMILY",
    "FRANK",
    "PARAM_NAMES",
    "SHARED_WEIGHTS",
    "OurNeuralNetwork",
    "Params",
    "deriv_sigmoid",
    "draw",
    "draw_many",
    "mse_loss",
    "partials",
    "sigmoid",
]
