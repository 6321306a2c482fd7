"""Reference backpropagation for "Backprop in Matrix Notation".

Column convention throughout: examples are columns, W^(l) is d_l x d_{l-1},
and lists are indexed by layer l = 1..L (index 0 unused, a[0] = x).

    (F1) z^(l) = W^(l) a^(l-1) + b^(l)      (F2) a^(l) = g^(l)(z^(l))
    (B1) delta^(L) = dJ/dz^(L)
    (B2) delta^(l) = (W^(l+1)^T delta^(l+1)) ⊙ g'(z^(l))
    (B3) dJ/dW^(l) = delta^(l) a^(l-1)^T   (B4) dJ/db^(l) = delta^(l)
"""

from .activations import ACTIVATIONS, Activation, activation
from .gradcheck import check_network_gradients, numerical_gradient, relative_error
from .jacobians import (
    Factor,
    ShapeError,
    chain_denominator,
    chain_numerator,
    contract_weight_gradient,
    da_dz,
    dJ_da,
    dz_da_prev,
    dz_dW,
    multiply,
    to_denominator,
    to_numerator,
)
from .losses import LOSSES, Loss, check_compatible, loss, output_delta
from .network import (
    Cache,
    Grads,
    Network,
    backward,
    flatten_grads,
    flatten_params,
    forward,
    gradients,
    init_network,
    loss_value,
    unflatten_params,
)
from .rows import affine_backward, affine_forward, linear_backward, linear_forward
from .seed232 import (
    QUESTION_LAYER,
    QUESTION_OFFSET,
    code_layer,
    question_layer,
    seed_example,
    seed_input,
    seed_network,
    seed_target,
    worked_example,
)

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "QUESTION_LAYER",
    "QUESTION_OFFSET",
    "Activation",
    "Cache",
    "Factor",
    "Grads",
    "Loss",
    "Network",
    "ShapeError",
    "activation",
    "affine_backward",
    "affine_forward",
    "backward",
    "chain_denominator",
    "chain_numerator",
    "check_compatible",
    "check_network_gradients",
    "code_layer",
    "contract_weight_gradient",
    "dJ_da",
    "da_dz",
    "dz_dW",
    "dz_da_prev",
    "flatten_grads",
    "flatten_params",
    "forward",
    "gradients",
    "init_network",
    "linear_backward",
    "linear_forward",
    "loss",
    "loss_value",
    "multiply",
    "numerical_gradient",
    "output_delta",
    "question_layer",
    "relative_error",
    "seed_example",
    "seed_input",
    "seed_network",
    "seed_target",
    "to_denominator",
    "to_numerator",
    "unflatten_params",
    "worked_example",
]
