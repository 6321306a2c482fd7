# docs/regularisation.md: L2 in the gradient, where 1/m meets λ, L2 in the loss versus decoupled weight decay.
#
# A 3-4-2 network (tanh, sigmoid, squared error) and a batch of m = 5; J = (1/m) Σ L_i + (λ/2) Σ_l ‖W⁽ˡ⁾‖² unless
# a convention says otherwise (backprop.regularization.CONVENTIONS).
#

from __future__ import annotations

import functools

import numpy as np

from backprop import gradients, init_network, numerical_gradient, relative_error
from backprop.regularization import (
    CONVENTIONS,
    AdamState,
    adam_l2,
    adamw,
    regularized_gradients,
    regularized_loss,
    train,
    weight_norm,
)
from book.artifacts import artifact
from book.figures import line_plot
from book.markup import figure
from book.tables import tex_bound

SIZES, ACTS, M, SEED = [3, 4, 2], ["tanh", "sigmoid"], 5, 1911
LAM = 0.1  # λ of the running example
ETA = {"sgd": 0.5, "adam": 0.05}  # learning rates η of the two optimisers
STEPS = 30
EXACT = 1e-12  # two exact computations of the same numbers
ROUNDING = 1e-10  # the same trajectory computed in two orders: rounding may grow a little over the steps
# dW_reg − dW_data = k W: k for each convention, at batch size m (the factor in front of W in the gradient)
FACTOR = {"mean_half": lambda lam, m: lam, "mean_half_m": lambda lam, m: lam / m, "mean_full": lambda lam, m: 2 * lam,
          "sum_half": lambda lam, m: lam}


def example():
    # A seeded network with non-zero biases, a batch X (3 × m) and 0/1 targets Y (2 × m).
    rng = np.random.default_rng(SEED)
    net = init_network(SIZES, ACTS, "squared_error", seed=SEED)
    for l in (1, 2):
        net.b[l] = 0.5 * rng.standard_normal(net.b[l].shape)
    return net, rng.standard_normal((SIZES[0], M)), rng.integers(0, 2, (SIZES[-1], M)).astype(float)


def fd(net, X, Y, lam, name, which, l):  # central differences of the regularised J by one parameter array
    return numerical_gradient(lambda _: regularized_loss(net, X, Y, lam, name), getattr(net, which)[l])


@functools.cache
def runs():  # {rule: Run} with ω = ηλ for the decoupled rules
    net, X, Y = example()
    out = {}
    for rule in ("sgd_l2", "sgd_decoupled", "adam_l2", "adamw"):
        eta = ETA[rule[:3] if rule.startswith("sgd") else "adam"]
        out[rule] = train(net, X, Y, rule, steps=STEPS, eta=eta, decay=LAM if rule.endswith("l2") else eta * LAM)
    return out


def stacked(run, which="W"):  # every parameter of every step, one row per step
    return np.array([np.concatenate([getattr(n, which)[l].ravel() for l in (1, 2)]) for n in run.nets])


@artifact("training")
def training(ctx):
    # The answer's figure: ‖W‖ over the steps for SGD and Adam, each with L2 in the loss and with decoupled decay.
    r = runs()
    for which in ("W", "b"):
        ctx.check.close(f"SGD: L2 (λ) = decoupled (ω = ηλ), {which}", stacked(r["sgd_decoupled"], which),
                        stacked(r["sgd_l2"], which), tol=ROUNDING)
    ctx.check.differ("Adam: L2 (λ) ≠ AdamW (ω = ηλ) at the end", stacked(r["adamw"])[-1], stacked(r["adam_l2"])[-1],
                     min_rel=0.1)
    ctx.check.that("AdamW (ω = ηλ): ‖W‖ grows", weight_norm(r["adamw"].nets[-1]) > weight_norm(r["adamw"].nets[0]),
                   f"‖W‖ {weight_norm(r['adamw'].nets[0]):.2f} → {weight_norm(r['adamw'].nets[-1]):.2f}")
    labels = {"sgd_l2": "SGD, L2 in the loss", "sgd_decoupled": "SGD, decoupled decay", "adam_l2": "Adam, L2 in the loss",
              "adamw": "AdamW (decoupled)"}
    series = [(labels[k], np.arange(STEPS + 1), [weight_norm(n) for n in run.nets]) for k, run in r.items()]
    for key, v, d in (("lam", LAM, 1), ("eta_sgd", ETA["sgd"], 1), ("eta_adam", ETA["adam"], 2)):
        ctx.value(key, v, digits=d)
    ctx.value("omega_sgd", ETA["sgd"] * LAM, digits=2)
    ctx.value("omega_adam", ETA["adam"] * LAM, digits=3)
    ctx.value("steps", STEPS)
    ctx.value("sizes", "-".join(map(str, SIZES)))
    ctx.value("m", M)
    for k, run in r.items():
        ctx.value(f"norm_{k}", weight_norm(run.nets[-1]), digits=2)
    ctx.value("norm_start", weight_norm(r["sgd_l2"].nets[0]), digits=2)
    svg = line_plot(series, salt="regularisation-training", title="Norm of the weights during training",
                    desc="; ".join(f"{lab}: from {ys[0]:.2f} to {ys[-1]:.2f}" for lab, _, ys in series),
                    xlabel="step", ylabel="‖W‖ (all weights)", figsize=(6.2, 3.8))
    return figure(svg, f"m = {M}, λ = {LAM:g}, ω = ηλ")


@artifact("gradient")
def gradient(ctx):
    # (B3) + λW against finite differences of the regularised J; the biases' gradient is the data gradient itself.
    net, X, Y = example()
    reg, plain = regularized_gradients(net, X, Y, LAM), gradients(net, X, Y, "mean")
    worst = {"W": 0.0, "b": 0.0}
    for l in (1, 2):
        for which, analytic in (("W", reg.dW[l]), ("b", reg.db[l])):
            err = ctx.check.gradient(f"∂J/∂{which}({l}) vs FD", analytic, fd(net, X, Y, LAM, "mean_half", which, l))
            worst[which] = max(worst[which], err)
        ctx.check.weight_gradient(f"∂J/∂W({l}) has W's shape", reg.dW[l], net.W[l], "denominator")
        ctx.check.close(f"∂J/∂W({l}) − Δ({l}) A({l - 1})ᵀ = λ W({l})", reg.dW[l] - plain.dW[l], LAM * net.W[l], tol=EXACT)
        ctx.check.that(f"∂J/∂b({l}) = Δ({l}) 1: no penalty on b", bool(np.array_equal(reg.db[l], plain.db[l])), "bit for bit")
        # A penalty on the biases too would change their gradient by λb: the check above tells it apart.
        ctx.check.differ(f"λ b({l}) is not 0", reg.db[l] + LAM * net.b[l], plain.db[l], min_rel=1e-2)
    for which, err in worst.items():
        ctx.value(f"err_{which}", tex_bound(err))
    for l in (1, 2):
        ctx.value(f"W{l}", net.W[l].shape)
        ctx.value(f"A{l - 1}T", (M, SIZES[l - 1]))
        ctx.value(f"Delta{l}", (SIZES[l], M))
    return ""


@artifact("conventions")
def conventions(ctx):
    # Each convention's factor in front of W, measured; FD checks; and how λ translates between them.
    net, X, Y = example()
    for name, conv in CONVENTIONS.items():
        reg, plain = regularized_gradients(net, X, Y, LAM, name), gradients(net, X, Y, conv.reduction)
        D = np.concatenate([(reg.dW[l] - plain.dW[l]).ravel() for l in (1, 2)])
        W = np.concatenate([net.W[l].ravel() for l in (1, 2)])
        k = float(D @ W / (W @ W))  # least squares: D = k W
        ctx.check.close(f"{name}: the penalty adds k W", D, k * W, tol=EXACT)
        ctx.check.close(f"{name}: k = {FACTOR[name](LAM, M):g}", k, FACTOR[name](LAM, M), tol=EXACT)
        err = max(ctx.check.gradient(f"{name}: ∂J/∂{which}({l}) vs FD", getattr(reg, "d" + which)[l], fd(net, X, Y, LAM, name, which, l))
                  for l in (1, 2) for which in ("W", "b"))
        ctx.value(f"k_{name}", k, digits=2)
        ctx.value(f"err_{name}", tex_bound(err))
    g = {name: regularized_gradients(net, X, Y, lam, name) for name, lam in
         (("mean_half", LAM), ("mean_half_m", M * LAM), ("mean_full", LAM / 2), ("sum_half", LAM))}
    over_m = regularized_gradients(net, X, Y, LAM, "mean_half_m")
    for l in (1, 2):
        ctx.check.close(f"(λ/2m) with mλ = (λ/2) with λ, W({l})", g["mean_half_m"].dW[l], g["mean_half"].dW[l], tol=EXACT)
        ctx.check.close(f"λ‖W‖² with λ/2 = (λ/2) with λ, W({l})", g["mean_full"].dW[l], g["mean_half"].dW[l], tol=EXACT)
        ctx.check.close(f"Σ + (λ/2) = m (mean + λ/2m), W({l})", g["sum_half"].dW[l], M * over_m.dW[l], tol=EXACT)
        ctx.check.close(f"Σ + (λ/2) = m (mean + λ/2m), b({l})", g["sum_half"].db[l], M * over_m.db[l], tol=EXACT)
    return ""


@artifact("sgd")
def sgd(ctx):
    # Over every step: SGD with L2 (λ) and with decoupled decay (ω = ηλ) agree; without the rescaling they do not.
    net, X, Y = example()
    r, eta = runs(), ETA["sgd"]
    err = ctx.check.close("every W and b at every step", stacked(r["sgd_decoupled"]), stacked(r["sgd_l2"]), tol=ROUNDING)
    unscaled = train(net, X, Y, "sgd_decoupled", steps=STEPS, eta=eta, decay=LAM)
    ctx.check.differ("decoupled with ω = λ (not rescaled)", stacked(unscaled)[-1], stacked(r["sgd_l2"])[-1], min_rel=0.05)
    ctx.check.that("forgetting η decays harder", weight_norm(unscaled.nets[-1]) < weight_norm(r["sgd_l2"].nets[-1]),
                   f"‖W‖ {weight_norm(unscaled.nets[-1]):.2f}")
    one = {d: train(net, X, Y, "sgd_l2", steps=1, eta=eta, decay=d) for d in (0.0, LAM)}
    ctx.check.that("no decay on the biases", all(np.array_equal(one[0.0].nets[1].b[l], one[LAM].nets[1].b[l]) for l in (1, 2)),
                   "same b with and without λ")
    ctx.value("sgd_err", tex_bound(err))
    ctx.value("norm_unscaled", weight_norm(unscaled.nets[-1]), digits=2)
    return ""


def first_step(rule, W, dW, eta, decay):  # one Adam step from a fresh state: the update ΔW
    return {"adam_l2": adam_l2, "adamw": adamw}[rule](W, dW, AdamState.like(W), eta, decay) - W


@artifact("adam")
def adam(ctx):
    # Adam: no λ makes L2 in the loss equal to decoupled decay (Loshchilov and Hutter, Proposition 2), shown at step 1.
    net, X, Y = example()
    eta, omega = ETA["adam"], ETA["adam"] * LAM
    W, dW = net.W[1], gradients(net, X, Y, "mean").dW[1]
    target = first_step("adamw", W, dW, eta, omega)
    grid = np.geomspace(1e-4, 1e2, 61)  # λ from 10⁻⁴ to 10²
    sizes = np.array([np.abs(first_step("adam_l2", W, dW, eta, lam)) / eta for lam in grid])
    u = np.abs(dW[None] + grid[:, None, None] * W[None])  # |∂J_data/∂W + λW| for every λ on the grid
    ctx.check.close("Adam + L2, step 1: |ΔW| = η |u|/(|u| + ε) for every λ", sizes, u / (u + 1e-8), tol=EXACT)
    ctx.check.that("… which is η in every entry, up to ε/|u|", bool(sizes.min() > 1 - 1e-3), f"{sizes.min():.6f} to {sizes.max():.6f}")
    best = min(relative_error(first_step("adam_l2", W, dW, eta, lam), target) for lam in grid)
    ctx.check.that("no λ on the grid gives AdamW's first step", best > 1e-2, f"closest relative error {best:.3f}")
    spread = np.abs(target) / eta
    ctx.check.that("AdamW, step 1: |ΔW| / η varies between entries", spread.max() - spread.min() > 0.05,
                   f"{spread.min():.3f} to {spread.max():.3f}")
    r = runs()
    ctx.check.differ(f"after {STEPS} steps", stacked(r["adamw"])[-1], stacked(r["adam_l2"])[-1], min_rel=0.1)
    ctx.value("adam_min", spread.min(), digits=3)
    ctx.value("adam_max", spread.max(), digits=3)
    ctx.value("adam_best", best, digits=3)
    ctx.value("grid_n", len(grid))
    ctx.value("grid_lo", tex_bound(grid[0]))
    ctx.value("grid_hi", tex_bound(grid[-1]))
    return ""


# Exercises: hand-sized numbers, each answer checked against finite differences or an independent computation.
EX_W = np.array([[1.0, -2.0, 0.0], [3.0, 1.0, -1.0]])
EX_G = np.array([[0.2, 0.1, -0.3], [0.0, -0.4, 0.5]])  # ∂J_data/∂W
EX_LAM, EX_M = 0.1, 4


@artifact("ex1")
def ex1(ctx):
    # ∂J/∂W = G + λW for J = J_data + (λ/2)‖W‖², with J_data(W) = Σ G ⊙ W, whose gradient is G.
    dW = EX_G + EX_LAM * EX_W
    numeric = numerical_gradient(lambda W: float(np.sum(EX_G * W) + EX_LAM / 2 * np.sum(W**2)), EX_W.copy())
    ctx.check.gradient("G + λW vs FD", dW, numeric)
    ctx.check.weight_gradient("G + λW has W's shape", dW, EX_W, "denominator")
    for name, v, d in (("ex1_W", EX_W, 0), ("ex1_G", EX_G, 1), ("ex1_lam", EX_LAM, 1), ("ex1_m", EX_M, 0),
                       ("ex1_lamW", EX_LAM * EX_W, 1)):
        ctx.value(name, v, digits=d)
    ctx.answer("ex1_dW", dW, digits=2, mistakes={"penalty-no-half": EX_G + 2 * EX_LAM * EX_W, "sign": EX_G - EX_LAM * EX_W,
                                                 "penalty-missing": EX_G, "penalty-over-m": EX_G + EX_LAM * EX_W / EX_M})
    return ""


EX_DELTA = np.array([[0.1, -0.2, 0.3, 0.0], [0.5, 0.1, -0.1, 0.1]])  # Δ for a batch of 4, the 1/m already inside
EX_B = np.array([[2.0], [-1.0]])


@artifact("ex2")
def ex2(ctx):
    # ∂J/∂b = Δ 1 with or without the penalty on W: J = Σ Δ ⊙ (W A + b 1ᵀ) + (λ/2)‖W‖² has that gradient by b.
    rng = np.random.default_rng(SEED + 2)
    A, W = rng.standard_normal((3, 4)), rng.standard_normal((2, 3))
    db = EX_DELTA @ np.ones((4, 1))
    numeric = numerical_gradient(lambda b: float(np.sum(EX_DELTA * (W @ A + b)) + EX_LAM / 2 * np.sum(W**2)), EX_B.copy())
    ctx.check.gradient("Δ 1 vs FD of the regularised J", db, numeric)
    ctx.value("ex2_Delta", EX_DELTA, digits=1)
    ctx.value("ex2_b", EX_B, digits=0)
    ctx.answer("ex2_db", db, digits=2, mistakes={"bias-penalized": db + EX_LAM * EX_B, "twice-mean": db / EX_DELTA.shape[1]})
    return ""


EX3_ETA, EX3_LAM = 0.1, 0.01


@artifact("ex3")
def ex3(ctx):
    # ω = ηλ makes decoupled SGD equal to SGD on the L2-regularised loss, checked on the example network.
    net, X, Y = example()
    omega = EX3_ETA * EX3_LAM
    a = train(net, X, Y, "sgd_l2", steps=5, eta=EX3_ETA, decay=EX3_LAM)
    b = train(net, X, Y, "sgd_decoupled", steps=5, eta=EX3_ETA, decay=omega)
    ctx.check.close("5 steps: L2 (λ) = decoupled (ω = ηλ)", stacked(b), stacked(a), tol=ROUNDING)
    ctx.value("ex3_eta", EX3_ETA, digits=1)
    ctx.value("ex3_lam", EX3_LAM, digits=2)
    ctx.answer("ex3_omega", omega, digits=4, mistakes={"decay-not-rescaled": EX3_LAM, "decay-rescaled-wrong": EX3_LAM / EX3_ETA})
    return ""


EX4 = {"w": 2.0, "g": 0.5, "eta": 0.1, "lam": 0.5}


@artifact("ex4")
def ex4(ctx):
    # One weight, first step: Adam with L2 against AdamW with ω = ηλ.
    w, g, eta, lam = (np.array([EX4[k]]) if k == "w" else EX4[k] for k in ("w", "g", "eta", "lam"))
    dw = np.array([g])
    coupled = float(adam_l2(w, dw, AdamState.like(w), eta, lam)[0])
    decoupled = float(adamw(w, dw, AdamState.like(w), eta, eta * lam)[0])
    u = g + lam * w[0]
    ctx.check.close("Adam + L2: w − η u/(|u| + ε)", coupled, w[0] - eta * u / (abs(u) + 1e-8), tol=EXACT)
    ctx.check.close("AdamW: (1 − ω) w − η g/(|g| + ε)", decoupled, (1 - eta * lam) * w[0] - eta * g / (abs(g) + 1e-8), tol=EXACT)
    ctx.check.differ("the two new weights", decoupled, coupled, min_rel=1e-2)
    for k, v in EX4.items():
        ctx.value(f"ex4_{k}", v, digits=1)
    ctx.value("ex4_omega", eta * lam, digits=2)
    ctx.value("ex4_u", u, digits=1)
    ctx.answer("ex4_l2", coupled, digits=3, mistakes={"adam-as-sgd": w[0] - eta * u, "coupled-vs-decoupled": decoupled})
    ctx.answer("ex4_adamw", decoupled, digits=3,
               mistakes={"coupled-vs-decoupled": coupled, "adam-as-sgd": (1 - eta * lam) * w[0] - eta * g})
    return ""


EX5_LAM, EX5_M = 5.0, 100


@artifact("ex5")
def ex5(ctx):
    # (λ/2m)‖W‖² with λ = 5, m = 100 gives the same gradient as this book's (λ/2)‖W‖² with λ/m.
    net, X, Y = example()
    X100 = np.tile(X, (1, EX5_M // M))
    Y100 = np.tile(Y, (1, EX5_M // M))
    theirs = regularized_gradients(net, X100, Y100, EX5_LAM, "mean_half_m")
    ours = regularized_gradients(net, X100, Y100, EX5_LAM / EX5_M, "mean_half")
    for l in (1, 2):
        ctx.check.close(f"W({l}): (λ/2m) with λ = (λ/2) with λ/m", ours.dW[l], theirs.dW[l], tol=EXACT)
    ctx.value("ex5_lam", EX5_LAM, digits=0)
    ctx.value("ex5_m", EX5_M)
    ctx.answer("ex5_lam_book", EX5_LAM / EX5_M, digits=3, mistakes={"lambda-times-m": EX5_LAM * EX5_M, "lambda-unconverted": EX5_LAM})
    return ""
