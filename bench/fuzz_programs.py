"""The program generator behind ``bench/fuzz.py``: one seeded, runnable, multi-file PyTorch
training program per seed, built from independently drawn *dimensions* (how ``forward`` takes
the labels, how it computes and returns the loss, where the model instance lives, how its calls
are shaped and read, which distractors sit beside it).

Every choice comes from ``random.Random(seed)`` and nothing else (no set iteration, no hashing,
no clock), so a seed always gives byte-identical files. The programs are tiny (``nn.Linear``
4 -> 6 -> 3, eight examples, two SGD steps) and print every number they compute with
``f"{value:.6f}"``: a rewrite that changes any computation changes the output.

A combination that makes no sense (a call without labels to a ``forward`` that requires them) is
never drawn: each later dimension is drawn among the values the earlier ones allow, and
``Program.dimensions`` records what was used. ``-`` marks a dimension that does not apply.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from typing import Optional, Sequence

Table = tuple[tuple[str, int], ...]
"""(value, weight) pairs of one dimension."""

SIGNATURES: Table = (
    ("required", 3),  # forward(self, x, labels)
    ("optional", 3),  # forward(self, x, labels=None)
    ("label_required", 1),  # forward(self, x, label)
    ("label_optional", 1),  # forward(self, x, label=None)
    ("mask_before", 1),  # forward(self, x, mask, labels)
    ("mask_after", 1),  # forward(self, x, labels, mask=None)
)
OPTIONAL_STYLES: Table = (("if_not_none", 2), ("early_return", 1))
TASKS: Table = (("ce", 4), ("bce", 1), ("mse", 1))
CRITERIA: Table = (("init", 2), ("local", 2), ("functional", 2), ("inline", 1), ("handmade", 1))
LOSS_VARIANTS: Table = (
    ("plain", 4),
    ("reduction", 1),  # reduction="sum"
    ("view", 1),  # logits.view(-1, n), labels.view(-1)
    ("convert", 1),  # labels.long() / labels.float() inside the loss call
    ("convert_stmt", 1),  # labels = labels.long() before the loss
    ("two_step", 1),  # loss = criterion(reduction="none"); loss = loss.mean()
    ("neg_mean", 1),  # loss = -(-criterion(reduction="none")).mean()
    ("aux_pred", 1),  # loss + 0.1 * logits.pow(2).mean()
    ("aux_hidden", 1),  # loss + 0.01 * h.pow(2).mean(): another forward value
)
PRE_LOSS: Table = (
    ("none", 3),
    ("same", 2),  # logits = torch.tanh(logits) before the loss: the same name reassigned
    ("distinct", 1),  # raw = ...; logits = torch.tanh(raw)
    ("kept_raw", 1),  # raw = logits; logits = torch.tanh(logits); the loss reads logits, raw is returned
)
POST_LOSS: Table = (
    ("none", 4),
    ("same", 1),  # logits = logits.softmax(-1) after the loss, returned
    ("distinct", 1),  # probs = logits.softmax(-1) after the loss, returned
)
PRED_NAMES: Table = (("logits", 3), ("h", 1), ("scores", 1))
DROPOUTS: Table = (("none", 4), ("prediction", 1), ("loss_input", 1))
RETURNS: Table = (
    ("loss", 3),
    ("loss_logits", 2),
    ("logits_loss", 1),
    ("dict", 2),
    ("dict_steps", 1),
    ("tuple_concat", 1),
    ("dataclass", 1),
    ("hf_output", 1),
)
OPTIONAL_RETURNS: Table = (("bare", 1), ("packed", 1))
PLACEHOLDERS: Table = (("none", 3), ("zero", 1), ("tensor_zero", 1))
"""What stands in for the loss until labels are tested: ``loss = None``, ``loss = 0``,
``loss = torch.tensor(0.0)`` (only where forward then returns it packed, untested)."""
PLACEHOLDER_LINES = {"none": "loss = None", "zero": "loss = 0", "tensor_zero": "loss = torch.tensor(0.0)"}
READERS: dict[str, Table] = {
    "loss": (("direct", 1),),
    "loss_logits": (("unpack", 2), ("index", 1), ("index_inline", 1)),
    "logits_loss": (("unpack", 2), ("index", 1), ("index_inline", 1)),
    "tuple_concat": (("unpack", 1), ("index", 1), ("index_inline", 1)),
    "dict": (("key", 2), ("key_inline", 1)),
    "dict_steps": (("key", 2), ("key_inline", 1)),
    "dataclass": (("attr", 2), ("attr_inline", 1)),
    "hf_output": (("attr", 2), ("key", 1), ("index", 1)),
}
CALLS: Table = (("positional", 3), ("keyword", 2), ("star_batch", 2), ("pop_labels", 1))
EVAL_CALLS: Table = (("none", 1), ("with_labels", 2), ("labelless", 2), ("nested", 1), ("dict_loses_labels", 1))
LABELLESS_STYLES: Table = (("omitted", 2), ("labels_none", 1))
"""How an evaluation call gives no labels: leaves them out, or passes ``labels=None`` by name."""
BINDINGS: Table = (
    ("name", 4),  # model = Net()
    ("runner_inline", 1),  # Runner(Net()) keeps self.model = model
    ("runner_name", 1),  # model = Net(); Runner(model) keeps self.model = model
    ("runner_builds", 1),  # Runner() builds self.model = Net() itself
    ("global_plain", 1),  # MODEL = Net() at module level
    ("global_try", 1),  # try: MODEL = Net() except ImportError: MODEL = None
    ("global_with", 1),  # with torch.no_grad(): MODEL = Net()
    ("global_if", 1),  # if True: MODEL = Net()
    ("global_for", 1),  # for _ in range(1): MODEL = Net()
    ("dict", 1),  # models = {"a": Net()}
    ("list", 1),  # models = [Net()]
    ("factory_direct", 1),  # def build_model(): return Net()
    ("factory_named", 1),  # def build_model(): net = Net(); return net
)
GLOBAL_BINDINGS = ("global_plain", "global_try", "global_with", "global_if", "global_for")
GLOBAL_HOMES: Table = (("same_file", 1), ("other_module", 1))
SCOPES: Table = (("module", 2), ("main_guard", 2), ("main_func", 3), ("passed_to_function", 2))
WRAPPERS: Table = (
    ("none", 4),
    ("to_cpu", 1),  # Net().to("cpu")
    ("data_parallel", 1),  # nn.DataParallel(Net())
    ("data_parallel_rebind", 1),  # model = Net(); model = nn.DataParallel(model)
)
CLASSES: Table = (
    ("one", 8),
    ("subclass_defined", 1),
    ("subclass_used", 1),
    ("two_classes", 2),
    ("two_classes_shared", 1),  # one function trains an instance of each class
)
LAYOUTS: Table = (("single", 3), ("model_module", 3), ("package", 1), ("experiments", 1))
IMPORT_STYLES: Table = (("from", 3), ("star", 1), ("module_attr", 1))
SERVINGS: Table = (
    ("none", 4),
    ("called_with_labels", 1),  # predict_fn(model, {"x": x, "labels": y})
    ("called_labelless", 1),  # predict_fn(model, {"x": x})
    ("uncalled", 1),  # predict_fn is never called: its `model` is nobody's
    ("dynamic_other", 1),  # called through getattr with another module: not visibly the model
    ("loaded_labelless", 1),  # predict_fn(pickle.dumps(model), x) calls what pickle gives back, without labels
)
LABEL_VARS: Table = (("y", 2), ("labels", 1), ("targets", 1))
DISTRACTORS: Table = (
    ("helper_other", 4),  # def evaluate_plain(m, x): return m(x), called with an nn.Linear
    ("focal_loss", 4),  # class FocalLoss(nn.Module): def forward(self, logits, labels)
    ("trainer_subclass", 1),  # transformers.Trainer subclass with its own compute_loss
    ("hf_pretrained", 1),  # a PreTrainedModel subclass with forward(..., labels=None)
    ("hf_bert_head", 1),  # BertForSequenceClassification from a tiny config, given labels
)
HF_DISTRACTORS = ("trainer_subclass", "hf_pretrained", "hf_bert_head")
EXTRA_RESULTS: Table = (
    ("none", 2),
    ("features", 1),  # return loss, logits, feats (required labels): more than a loss and one prediction
    ("features_always", 1),  # the same with labels=None, the loss computed on every path and every call passing labels
)
EXTRA_RETURNS = ("loss_logits", "logits_loss", "dict", "hf_output")
DERIVED_TWICE: Table = (("no", 4), ("yes", 1))
"""``yes``: the loss also reads twice a value forward derives from the prediction (``p =
logits.softmax(-1)``; ``loss + 0.1 * p.pow(2).mean() - 0.1 * p.mean()``); required labels only."""
LOSS_BRANCHES: Table = (("none", 6), ("setting", 1), ("input", 1))
"""How forward chooses its loss's last step: ``setting``, by a flag of the model (``if
self.strict:``, full or halved); ``input``, by a test of another argument (``if mask is not
None:``, scaled by the mask's mean or not; signatures with a mask only)."""
DERIVED = {"ce": "{}.softmax(-1)", "bce": "torch.sigmoid({})", "mse": "torch.tanh({})"}
"""The results a third value is added to."""

@dataclass(frozen=True)
class Blocker:
    """A dimension value under which no exact rewrite can be proved: the tool must refuse, and
    a refusal for this cause names ``place`` (a file of the program, or the words that say
    why). ``when``: other dimensions' values it needs too (any of each)."""

    dimension: str
    value: str
    place: str
    why: str
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def applies(self, dimensions: dict[str, str]) -> bool:
        return self.value in dimensions.get(self.dimension, "").split("+") and all(
            dimensions.get(name, "") in values for name, values in self.when
        )


_UNRETURNED = "forward's result does not hold beside the loss"
BLOCKERS: tuple[Blocker, ...] = (
    Blocker("serving", "uncalled", "predict.py", "`predict_fn(model, batch)` is never called: its model could be any, labels and all"),
    Blocker("serving", "dynamic_other", "predict.py", "`predict_fn` is reached through `getattr`, with another module: not visibly the model"),
    Blocker("distractors", "trainer_subclass", "hf_extras.py", "a Trainer subclass nothing builds: the model its `compute_loss` calls could be ours"),
    *(
        Blocker("extra_result", extra, _UNRETURNED, why, (condition,))
        for extra in ("features", "features_always")
        for condition, why in (
            (("post_loss", ("same", "distinct")), "the loss reads the logits before the softmax, and forward returns them after it"),
            (("loss_variant", ("aux_hidden",)), "the loss reads `hidden`, which forward returns nowhere"),
        )
    ),
)


def blockers(dimensions: dict[str, str]) -> tuple[Blocker, ...]:
    """The blockers among a program's dimension values (distractors combine with ``+``)."""
    return tuple(b for b in BLOCKERS if b.applies(dimensions))


ALL_READERS: Table = tuple(dict.fromkeys(row for table in READERS.values() for row in table))
RUNNER_BUILDERS: Table = (("inline", 1), ("helper_below", 1))
"""How ``runner_builds`` builds its model: ``self.model = Net()`` in ``__init__``, or ``self.model
= self._build_model()`` with that private method defined last in the class, below its caller
(the walk learns what it returns after reading ``__init__``)."""
LABEL_CONVERSIONS: Table = (("none", 4), ("top", 1), ("branch", 1))
"""A pure conversion of the labels before the loss (``labels = labels.clone()``): ``top`` as the
loss's first line (it moves with the loss), ``branch`` under ``if self.n_out > 0:`` (the loss
after the ``if`` reads it on some paths only, as far as a reading can tell: refused)."""
DIMENSIONS: dict[str, Table] = {
    "signature": SIGNATURES,
    "optional_style": OPTIONAL_STYLES,
    "task": TASKS,
    "criterion": CRITERIA,
    "loss_variant": LOSS_VARIANTS,
    "pre_loss": PRE_LOSS,
    "post_loss": POST_LOSS,
    "pred_name": PRED_NAMES,
    "dropout": DROPOUTS,
    "returns": RETURNS,
    "optional_return": OPTIONAL_RETURNS,
    "placeholder": PLACEHOLDERS,
    "reader": ALL_READERS,
    "call": CALLS,
    "eval_call": EVAL_CALLS,
    "labelless_style": LABELLESS_STYLES,
    "binding": BINDINGS,
    "global_home": GLOBAL_HOMES,
    "scope": SCOPES,
    "wrapper": WRAPPERS,
    "classes": CLASSES,
    "layout": LAYOUTS,
    "import_style": IMPORT_STYLES,
    "serving": SERVINGS,
    "label_var": LABEL_VARS,
    "distractors": DISTRACTORS,
    "extra_result": EXTRA_RESULTS,
    "derived_twice": DERIVED_TWICE,
    "loss_branch": LOSS_BRANCHES,
    "runner_builder": RUNNER_BUILDERS,
    "label_conversion": LABEL_CONVERSIONS,
}
"""Every dimension's values, in ``Shape``'s field order (tests check each value gets drawn)."""


@dataclass(frozen=True)
class Shape:
    """The value of every dimension for one program (``-``: does not apply)."""

    signature: str
    optional_style: str
    task: str
    criterion: str
    loss_variant: str
    pre_loss: str
    post_loss: str
    pred_name: str
    dropout: str
    returns: str
    optional_return: str
    placeholder: str
    reader: str
    call: str
    eval_call: str
    labelless_style: str
    binding: str
    global_home: str
    scope: str
    wrapper: str
    classes: str
    layout: str
    import_style: str
    serving: str
    label_var: str
    distractors: str
    """Distractor names joined by ``+`` in table order, or ``none``."""
    extra_result: str
    """``features``: forward also returns an encoder output beside the loss and the prediction."""
    derived_twice: str
    loss_branch: str
    runner_builder: str
    label_conversion: str

    @property
    def optional(self) -> bool:
        return self.signature in ("optional", "label_optional")

    @property
    def tests_labels(self) -> bool:
        """Does forward run otherwise without labels (an optional signature, its loss tested)?"""
        return self.optional and self.extra_result != "features_always"

    @property
    def label(self) -> str:
        """The name of forward's labels parameter."""
        return "label" if self.signature.startswith("label_") else "labels"

    @property
    def mask(self) -> bool:
        return self.signature.startswith("mask_")

    @property
    def distractor_list(self) -> list[str]:
        return [] if self.distractors == "none" else self.distractors.split("+")


@dataclass(frozen=True)
class Program:
    seed: int
    files: dict[str, str]
    """Relative path -> text; every entry and every module it imports."""
    entries: list[str]
    """The scripts to run, in order, each from the program's root as ``python <entry>``."""
    dimensions: dict[str, str]
    protected: tuple[str, ...]
    """Files fixlabels must leave byte for byte: distractors, and a module whose ``model``
    parameter no visible call gives the custom model."""


def _pick(rng: random.Random, table: Table, allowed: Optional[Sequence[str]] = None) -> str:
    """A weighted draw among the values of ``table`` that ``allowed`` keeps (all by default)."""
    rows = [(value, weight) for value, weight in table if allowed is None or value in allowed]
    if not rows:
        raise ValueError(f"no value of {table} is allowed among {allowed}")
    return rng.choices([value for value, _ in rows], weights=[weight for _, weight in rows])[0]


def _values(table: Table, *excluded: str) -> list[str]:
    return [value for value, _ in table if value not in excluded]


def draw_shape(rng: random.Random) -> Shape:
    signature = _pick(rng, SIGNATURES)
    optional = signature in ("optional", "label_optional")
    optional_style = _pick(rng, OPTIONAL_STYLES) if optional else "-"
    task = _pick(rng, TASKS)
    criterion = _pick(rng, CRITERIA)
    # A hand-written loss has no reduction argument to vary.
    excluded_variants = ("reduction", "two_step", "neg_mean") if criterion == "handmade" else ()
    loss_variant = _pick(rng, LOSS_VARIANTS, _values(LOSS_VARIANTS, *excluded_variants))
    pre_loss = _pick(rng, PRE_LOSS)
    post_loss = _pick(rng, POST_LOSS)
    pred_name = _pick(rng, PRED_NAMES)
    dropout = _pick(rng, DROPOUTS)
    returns = _pick(rng, RETURNS)
    optional_return = _pick(rng, OPTIONAL_RETURNS) if optional and returns in ("loss_logits", "logits_loss") else "-"
    reader = _pick(rng, READERS[returns])
    call = _pick(rng, CALLS)
    # A call without labels needs labels=None.
    eval_call = _pick(rng, EVAL_CALLS, None if optional else _values(EVAL_CALLS, "labelless", "dict_loses_labels"))
    binding = _pick(rng, BINDINGS)
    is_global = binding in GLOBAL_BINDINGS
    global_home = _pick(rng, GLOBAL_HOMES) if is_global else "-"
    # Passing the model to train(model, ...) only applies to an instance the driver holds.
    scope = _pick(rng, SCOPES, None if binding in ("name", "dict", "list", "factory_direct", "factory_named") else _values(SCOPES, "passed_to_function"))
    # Rebinding a wrapped model needs a name to rebind.
    wrapper = _pick(rng, WRAPPERS, None if binding == "name" else _values(WRAPPERS, "data_parallel_rebind"))
    classes = _pick(rng, CLASSES)
    # A module-level MODEL in another module imports the class from a module of its own.
    layout = _pick(rng, LAYOUTS, _values(LAYOUTS, "single") if global_home == "other_module" else None)
    import_style = _pick(rng, IMPORT_STYLES) if layout != "single" else "-"
    # One serving module per project root; experiments have two roots side by side.
    servings = ["none"] if layout == "experiments" else _values(SERVINGS, *(() if optional else ("called_labelless", "loaded_labelless")))
    serving = _pick(rng, SERVINGS, servings)
    label_var = _pick(rng, LABEL_VARS)
    count = rng.choices([0, 1, 2], weights=[12, 6, 2])[0]
    chosen: list[str] = []
    for _ in range(count):
        chosen.append(_pick(rng, DISTRACTORS, _values(DISTRACTORS, *chosen)))
    order = _values(DISTRACTORS)
    distractors = "+".join(sorted(chosen, key=order.index)) or "none"
    # Dimensions added later draw from their own generator, so earlier seeds keep their programs.
    later = random.Random(repr(rng.getstate()[1][1:5]))
    # A placeholder other than None only where forward returns it as is, never tests it.
    packs_placeholder = optional and optional_style == "if_not_none" and returns != "loss" and (optional_return == "packed" or returns == "dict")
    placeholder = _pick(later, PLACEHOLDERS) if packs_placeholder else "-"
    labelless_style = _pick(later, LABELLESS_STYLES) if eval_call == "labelless" else "-"
    # A loss computed on every path only where every call passes labels (else it ran on None).
    every_call_labelled = eval_call not in ("labelless", "dict_loses_labels") and serving not in ("called_labelless", "loaded_labelless")
    extras = ["none"]
    if returns in EXTRA_RETURNS:
        extras += ["features"] if not optional else ["features_always"] if every_call_labelled else []
    extra_result = _pick(later, EXTRA_RESULTS, extras)
    if extra_result == "features_always":
        optional_style = optional_return = placeholder = "-"  # forward tests nothing
    twice_applies = not optional and extra_result == "none" and loss_variant == "plain"
    derived_twice = _pick(later, DERIVED_TWICE) if twice_applies else "-"
    loss_branch = _pick(later, LOSS_BRANCHES, None if signature.startswith("mask_") else _values(LOSS_BRANCHES, "input"))
    runner_builder = _pick(later, RUNNER_BUILDERS) if binding == "runner_builds" else "-"
    label_conversion = _pick(later, LABEL_CONVERSIONS)
    return Shape(
        signature, optional_style, task, criterion, loss_variant, pre_loss, post_loss, pred_name, dropout, returns, optional_return, placeholder,
        reader, call, eval_call, labelless_style, binding, global_home, scope, wrapper, classes, layout, import_style, serving, label_var,
        distractors, extra_result, derived_twice, loss_branch, runner_builder, label_conversion,
    )


# ---------------------------------------------------------------------------------------------
# Text helpers


def ind(lines: Sequence[str], depth: int = 1) -> list[str]:
    pad = "    " * depth
    return [pad + line if line else line for line in lines]


def fq(expression: str) -> str:
    """An expression made fit to sit inside a double-quoted f-string (3.11 cannot reuse quotes)."""
    return expression.replace('"', "'")


def join(*blocks: Sequence[str]) -> str:
    """Top-level blocks separated by two blank lines, as Black would."""
    kept = [list(block) for block in blocks if block]
    out: list[str] = []
    for number, block in enumerate(kept):
        if number:
            out += ["", ""]
        out += block
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The model classes


def n_out(shape: Shape) -> int:
    return 3 if shape.task == "ce" else 1


CRITERION_CLASS = {"ce": "nn.CrossEntropyLoss", "bce": "nn.BCEWithLogitsLoss", "mse": "nn.MSELoss"}
FUNCTIONAL = {"ce": "F.cross_entropy", "bce": "F.binary_cross_entropy_with_logits", "mse": "F.mse_loss"}
LABEL_CONVERSION = {"ce": "long", "bce": "float", "mse": "float"}
POST = {"ce": "{}.softmax(-1)", "bce": "torch.sigmoid({})", "mse": "{}.clamp(-1.0, 1.0)"}
POST_NAME = {"ce": "probs", "bce": "probs", "mse": "clipped"}


@dataclass(frozen=True)
class ForwardParts:
    prediction: list[str]
    loss: list[str]
    """Statements that end with ``loss`` bound."""
    post: list[str]
    returned: str
    """The name forward returns as its prediction."""


def _reduction_keyword(shape: Shape) -> str:
    if shape.loss_variant == "reduction":
        return 'reduction="sum"'
    if shape.loss_variant in ("two_step", "neg_mean"):
        return 'reduction="none"'
    return ""


def criterion_constructor(shape: Shape) -> str:
    return f"{CRITERION_CLASS[shape.task]}({_reduction_keyword(shape)})"


def forward_parts(shape: Shape, rng: random.Random, scale: Optional[str]) -> ForwardParts:
    label, name = shape.label, shape.pred_name
    uses_hidden = shape.loss_variant == "aux_hidden" or rng.random() < 0.5
    prediction: list[str] = []
    if shape.signature == "mask_before":
        prediction.append("x = x * mask.unsqueeze(-1)")
    elif shape.signature == "mask_after":
        prediction += ["if mask is not None:", "    x = x * mask.unsqueeze(-1)"]
    if uses_hidden:
        prediction.append("hidden = self.encoder(x)")
        source = "hidden"
    else:
        source = "self.encoder(x)"
    if shape.dropout == "prediction":
        source = f"self.drop({source})"
    squeeze = "" if shape.task == "ce" else ".squeeze(-1)"
    core = f"self.fc({source}){squeeze}"
    returned = name
    if shape.pre_loss == "same":
        prediction += [f"{name} = {core}", f"{name} = torch.tanh({name})"]
    elif shape.pre_loss == "distinct":
        prediction += [f"raw = {core}", f"{name} = torch.tanh(raw)"]
    elif shape.pre_loss == "kept_raw":
        prediction += [f"{name} = {core}", f"raw = {name}", f"{name} = torch.tanh({name})"]
        returned = "raw"
    else:
        prediction.append(f"{name} = {core}")

    predicted = name
    target = label
    if shape.loss_variant == "view":
        predicted = f"{name}.view(-1, self.n_out)" if shape.task == "ce" else f"{name}.view(-1)"
        target = f"{label}.view(-1)"
    if shape.dropout == "loss_input":
        predicted = f"self.drop({predicted})"
    conversion = LABEL_CONVERSION[shape.task]
    if shape.loss_variant == "convert":
        target = f"{target}.{conversion}()"
    loss: list[str] = []
    if shape.loss_variant == "convert_stmt":
        loss.append(f"{label} = {label}.{conversion}()")
    keyword = _reduction_keyword(shape)
    if shape.criterion == "init":
        expression = f"self.criterion({predicted}, {target})"
    elif shape.criterion == "local":
        loss.append(f"loss_fct = {criterion_constructor(shape)}")
        expression = f"loss_fct({predicted}, {target})"
    elif shape.criterion == "functional":
        expression = f"{FUNCTIONAL[shape.task]}({predicted}, {target}{', ' + keyword if keyword else ''})"
    elif shape.criterion == "inline":
        expression = f"{criterion_constructor(shape)}({predicted}, {target})"
    elif shape.task == "ce":
        expression = f"-(F.log_softmax({predicted}, dim=-1) * F.one_hot({target}, {n_out(shape)})).sum(-1).mean()"
    elif shape.task == "bce":
        expression = f"-({target} * F.logsigmoid({predicted}) + (1 - {target}) * F.logsigmoid(-{predicted})).mean()"
    else:
        expression = f"(({predicted} - {target}) ** 2).mean()"
    if scale is not None:
        expression = f"{scale} * {expression}"
    loss += _branched(shape, _loss_lines(shape, expression))

    # After the loss, on what forward returns as its prediction.
    post: list[str] = []
    if shape.post_loss == "same":
        post.append(f"{returned} = {POST[shape.task].format(returned)}")
    elif shape.post_loss == "distinct":
        post.append(f"{POST_NAME[shape.task]} = {POST[shape.task].format(returned)}")
        returned = POST_NAME[shape.task]
    return ForwardParts(prediction, loss, post, returned)


def _loss_lines(shape: Shape, expression: str) -> list[str]:
    """The lines that bind ``loss`` from the criterion's ``expression``, as ``loss_variant`` says."""
    name = shape.pred_name
    if shape.loss_variant == "two_step":
        return [f"loss = {expression}", "loss = loss.mean()"]
    if shape.loss_variant == "neg_mean":
        return [f"loss = -(-{expression}).mean()"]
    if shape.loss_variant == "aux_pred":
        return [f"loss = {expression} + 0.1 * {name}.pow(2).mean()"]
    if shape.loss_variant == "aux_hidden":
        return [f"loss = {expression} + 0.01 * hidden.pow(2).mean()"]
    if shape.derived_twice == "yes":
        return [f"p = {DERIVED[shape.task].format(name)}", f"loss = {expression} + 0.1 * p.pow(2).mean() - 0.1 * p.mean()"]
    return [f"loss = {expression}"]


def _branched(shape: Shape, lines: list[str]) -> list[str]:
    """The loss's last line chosen by a test of something other than the labels (``loss_branch``)."""
    if shape.loss_branch == "none":
        return lines
    *first, last = lines
    target, _, value = last.partition(" = ")
    if shape.loss_branch == "setting":
        return first + ["if self.strict:", f"    {target} = {value}", "else:", f"    {target} = 0.5 * ({value})"]
    return first + ["if mask is not None:", f"    {target} = ({value}) * mask.mean()", "else:", f"    {target} = {value}"]


def output_constructor(shape: Shape) -> str:
    return "NetOutput" if shape.returns == "dataclass" else "SequenceClassifierOutput"


def labelled_return(shape: Shape, p: str) -> list[str]:
    """forward's return when it computed ``loss`` (never None here)."""
    r = shape.returns
    if shape.extra_result != "none":
        return [_with_features(shape, p)]
    if r == "loss":
        return ["return loss"]
    if r == "loss_logits":
        return [f"return loss, {p}"]
    if r == "logits_loss":
        return [f"return {p}, loss"]
    if r == "dict":
        return [f'return {{"loss": loss, "logits": {p}}}']
    if r == "dict_steps":
        return [f'out = {{"logits": {p}}}', 'out["loss"] = loss', "return out"]
    if r == "tuple_concat":
        return [f"outputs = ({p},)", "outputs = (loss,) + outputs", "return outputs"]
    return [f"return {output_constructor(shape)}(loss=loss, logits={p})"]


def _with_features(shape: Shape, p: str) -> str:
    r = shape.returns
    if r == "loss_logits":
        return f"return loss, {p}, feats"
    if r == "logits_loss":
        return f"return {p}, loss, feats"
    if r == "dict":
        return f'return {{"loss": loss, "logits": {p}, "features": feats}}'
    return f"return {output_constructor(shape)}(loss=loss, logits={p}, hidden_states=(feats,))"


def features_suffix(shape: Shape) -> str:
    """What to append to a result with labels to read the features beside the prediction."""
    r = shape.returns
    if r in ("loss_logits", "logits_loss"):
        return "[2]"
    if r == "dict":
        return '["features"]'
    if shape.reader in ("attr", "attr_inline"):
        return ".hidden_states[0]"
    if shape.reader == "key":
        return '["hidden_states"][0]'
    return "[2][0]"


def labelless_return(shape: Shape, p: str) -> list[str]:
    """forward's early return when it was given no labels."""
    r = shape.returns
    if r == "loss":
        return [f"return {p}"]
    if r == "loss_logits":
        return [f"return {p}"] if shape.optional_return == "bare" else [f"return None, {p}"]
    if r == "logits_loss":
        return [f"return {p}"] if shape.optional_return == "bare" else [f"return {p}, None"]
    if r in ("dict", "dict_steps"):
        return [f'return {{"logits": {p}}}']
    if r == "tuple_concat":
        return [f"return ({p},)"]
    return [f"return {output_constructor(shape)}(logits={p})"]


def either_return(shape: Shape, p: str) -> list[str]:
    """forward's one return when ``loss`` may be None (``loss = None; if labels is not None: ...``)."""
    r = shape.returns
    if r == "loss_logits":
        return [f"return (loss, {p}) if loss is not None else {p}"] if shape.optional_return == "bare" else [f"return loss, {p}"]
    if r == "logits_loss":
        return [f"return ({p}, loss) if loss is not None else {p}"] if shape.optional_return == "bare" else [f"return {p}, loss"]
    if r == "dict":
        return [f'return {{"loss": loss, "logits": {p}}}']
    if r == "dict_steps":
        return [f'out = {{"logits": {p}}}', "if loss is not None:", '    out["loss"] = loss', "return out"]
    if r == "tuple_concat":
        return [f"outputs = ({p},)", "if loss is not None:", "    outputs = (loss,) + outputs", "return outputs"]
    return [f"return {output_constructor(shape)}(loss=loss, logits={p})"]


def forward_lines(shape: Shape, rng: random.Random, scale: Optional[str]) -> list[str]:
    label = shape.label
    params = {
        "required": "self, x, labels",
        "optional": "self, x, labels=None",
        "label_required": "self, x, label",
        "label_optional": "self, x, label=None",
        "mask_before": "self, x, mask, labels",
        "mask_after": "self, x, labels, mask=None",
    }[shape.signature]
    parts = forward_parts(shape, rng, scale)
    converted = [f"{label} = {label}.clone()"]
    conversion = {"none": [], "top": converted, "branch": ["if self.n_out > 0:"] + ind(converted)}[shape.label_conversion]
    parts = replace(parts, loss=conversion + parts.loss)
    body = list(parts.prediction)
    if shape.extra_result != "none":
        body.append("feats = self.encoder(x)")
    p = parts.returned
    if not shape.tests_labels:
        body += parts.loss + parts.post + labelled_return(shape, p)
    elif shape.optional_style == "early_return":
        body += [f"if {label} is None:"] + ind(parts.post + labelless_return(shape, p))
        body += parts.loss + parts.post + labelled_return(shape, p)
    elif shape.returns == "loss":
        body += [f"if {label} is not None:"] + ind(parts.loss + ["return loss"])
        body += parts.post + [f"return {p}"]
    else:
        body += [PLACEHOLDER_LINES.get(shape.placeholder, "loss = None"), f"if {label} is not None:"] + ind(parts.loss)
        body += parts.post + either_return(shape, p)
    return [f"def forward({params}):"] + ind(body)


def class_lines(shape: Shape, rng: random.Random, name: str, activation: str, scale: Optional[str]) -> list[str]:
    init = [
        f"def __init__(self, n_in=4, n_out={n_out(shape)}):",
        "    super().__init__()",
        "    self.n_out = n_out",
        f"    self.encoder = nn.Sequential(nn.Linear(n_in, 6), nn.{activation}())",
        "    self.fc = nn.Linear(6, n_out)",
    ]
    if shape.dropout != "none":
        init.append("    self.drop = nn.Dropout(0.25)")
    if shape.criterion == "init":
        init.append(f"    self.criterion = {criterion_constructor(shape)}")
    if shape.loss_branch == "setting":
        init.append(f"    self.strict = {rng.random() < 0.5}")
    return [f"class {name}(nn.Module):"] + ind(init + [""] + forward_lines(shape, rng, scale))


def output_dataclass() -> list[str]:
    return [
        "@dataclass",
        "class NetOutput:",
        "    loss: Optional[torch.Tensor] = None",
        "    logits: Optional[torch.Tensor] = None",
    ]


def model_header(shape: Shape) -> list[str]:
    lines = []
    if shape.returns == "dataclass":
        lines += ["from dataclasses import dataclass", "from typing import Optional", ""]
    lines += ["import torch", "import torch.nn as nn", "import torch.nn.functional as F"]
    if shape.returns == "hf_output":
        lines.append("from transformers.modeling_outputs import SequenceClassifierOutput")
    return lines


def model_blocks(shape: Shape, rng: random.Random, scale: Optional[str]) -> list[list[str]]:
    """The class definitions (and the output dataclass), as top-level blocks."""
    blocks: list[list[str]] = []
    if shape.returns == "dataclass":
        blocks.append(output_dataclass())
    blocks.append(class_lines(shape, rng, "Net", "ReLU", scale))
    if shape.classes in ("two_classes", "two_classes_shared"):
        blocks.append(class_lines(shape, rng, "Net2", "Tanh", scale))
    if shape.classes in ("subclass_defined", "subclass_used"):
        blocks.append([
            "class WideNet(Net):",
            "    def __init__(self):",
            "        super().__init__()",
            "        self.scale = 1.0",
        ])
    return blocks


# ---------------------------------------------------------------------------------------------
# Call sites


@dataclass(frozen=True)
class Read:
    lines: list[str]
    loss: str
    """An expression of the loss after ``lines``."""
    prediction: Optional[str]
    """An expression of the prediction, when the result carries one."""
    features: Optional[str] = None
    """An expression of the features forward returns beside them (``extra_result``)."""


def labelled_suffixes(shape: Shape) -> tuple[str, Optional[str]]:
    """What to append to a call with labels to read (the loss, the prediction)."""
    r = shape.returns
    if r == "loss":
        return "", None
    if r in ("loss_logits", "tuple_concat"):
        return "[0]", "[1]"
    if r == "logits_loss":
        return "[1]", "[0]"
    if r in ("dict", "dict_steps"):
        return '["loss"]', '["logits"]'
    if r == "dataclass" or shape.reader == "attr":
        return ".loss", ".logits"
    if shape.reader == "key":
        return '["loss"]', '["logits"]'
    return "[0]", "[1]"  # a ModelOutput indexes the values that are not None


def labelless_suffix(shape: Shape) -> str:
    """What to append to a call without labels to read the prediction."""
    r = shape.returns
    if r == "loss":
        return ""
    if r == "loss_logits":
        return "" if shape.optional_return == "bare" else "[1]"
    if r == "logits_loss":
        return "" if shape.optional_return == "bare" else "[0]"
    if r in ("dict", "dict_steps"):
        return '["logits"]'
    if r == "tuple_concat":
        return "[0]"
    if r == "dataclass" or shape.reader in ("attr", "attr_inline"):
        return ".logits"
    if shape.reader == "key":
        return '["logits"]'
    return "[0]"  # without labels, loss is None and the logits come first


def data_args(shape: Shape) -> str:
    return f"x, {shape.label_var}" + (", mask" if shape.mask else "")


def direct_arguments(shape: Shape, keyword: bool) -> str:
    """Arguments of a call with labels, positional or by keyword."""
    y, label = shape.label_var, shape.label
    if keyword:
        return f"x, {label}={y}" + (", mask=mask" if shape.mask else "")
    if shape.signature == "mask_before":
        return f"x, mask, {y}"
    if shape.signature == "mask_after":
        return f"x, {y}, mask"
    return f"x, {y}"


def batch_literal(shape: Shape) -> str:
    return f'{{"x": x, "{shape.label}": {shape.label_var}' + (', "mask": mask' if shape.mask else "") + "}"


def labelled_call(shape: Shape, model: str) -> tuple[list[str], str]:
    """(statements before the call, the call) of a call with labels, shaped as ``shape.call``."""
    if shape.call in ("positional", "keyword"):
        return [], f"{model}({direct_arguments(shape, shape.call == 'keyword')})"
    if shape.call == "star_batch":
        return [f"batch = {batch_literal(shape)}"], f"{model}(**batch)"
    return (
        [f"batch = {batch_literal(shape)}", f'labels = batch.pop("{shape.label}")'],
        f"{model}(**batch, {shape.label}=labels)",
    )


def read_labelled(shape: Shape, call: str) -> Read:
    loss_suffix, prediction_suffix = labelled_suffixes(shape)
    reader = shape.reader
    if reader == "direct":
        return Read([f"loss = {call}"], "loss", None)
    with_features = shape.extra_result != "none"
    if reader == "unpack":
        targets = "pred, loss" if shape.returns == "logits_loss" else "loss, pred"
        if with_features:
            return Read([f"{targets}, feats = {call}"], "loss", "pred", "feats")
        return Read([f"{targets} = {call}"], "loss", "pred")
    assert prediction_suffix is not None
    features = f"out{features_suffix(shape)}" if with_features else None
    if reader.endswith("_inline"):
        return Read([f"out = {call}"], f"out{loss_suffix}", f"out{prediction_suffix}", features)
    return Read([f"out = {call}", f"loss = out{loss_suffix}", f"pred = out{prediction_suffix}"], "loss", "pred", features)


def report_line(tag: str, loss: str, prediction: Optional[str], features: Optional[str] = None) -> str:
    text = f"{tag} loss {{{fq(loss)}.item():.6f}}"
    if prediction is not None:
        text += f" pred {{{fq(prediction)}.sum().item():.6f}}"
    if features is not None:
        text += f" feats {{{fq(features)}.mean().item():.6f}}"
    return f'print(f"{text}")'


def train_loop(shape: Shape, model: str, optimizer: str, tag: str) -> list[str]:
    setup, call = labelled_call(shape, model)
    read = read_labelled(shape, call)
    body = [f"{optimizer}.zero_grad()"] + setup + read.lines
    body += [f"{read.loss}.backward()", f"{optimizer}.step()", report_line(f"{tag} step {{step}}", read.loss, read.prediction, read.features)]
    return ["for step in range(2):"] + ind(body)


def eval_block(shape: Shape, rng: random.Random, model: str) -> list[str]:
    """Evaluation after training, in eval mode (dropout off): empty for ``eval_call == "none"``."""
    kind = shape.eval_call
    if kind == "none":
        return []
    lines = [f"{model}.eval()"]
    if kind == "with_labels":
        setup, call = labelled_call(shape, model)
        read = read_labelled(shape, call)
        lines += ["with torch.no_grad():"] + ind(setup + read.lines)
        lines.append(report_line("eval", read.loss, read.prediction, read.features))
    elif kind == "labelless":
        arguments = f"x, {shape.label}=None" if shape.labelless_style == "labels_none" else "x"
        lines += ["with torch.no_grad():", f"    pred = {model}({arguments}){labelless_suffix(shape)}"]
        lines.append('print(f"infer {pred.sum().item():.6f}")')
    elif kind == "nested":
        loss_suffix, _ = labelled_suffixes(shape)
        arguments = direct_arguments(shape, keyword=shape.call == "keyword")
        statement = f'print(f"nested {{{fq(f"{model}({arguments}){loss_suffix}")}.item():.6f}}")'
        lines += ["with torch.no_grad():", "    " + statement] if rng.random() < 0.5 else [statement]
    else:  # dict_loses_labels: the labels are taken out of a copy before the call
        lines += [
            f"batch = {batch_literal(shape)}",
            "inputs = dict(batch)",
            f'inputs.pop("{shape.label}")',
            "with torch.no_grad():",
            f"    out = {model}(**inputs)",
            f'print(f"infer {{{fq("out" + labelless_suffix(shape))}.sum().item():.6f}}")',
        ]
    return lines


# ---------------------------------------------------------------------------------------------
# Projects: the files of one program root (two for experiment folders)


@dataclass(frozen=True)
class Project:
    files: dict[str, str]
    entry: str
    protected: tuple[str, ...]


def label_data(shape: Shape) -> str:
    converted = shape.loss_variant in ("convert", "convert_stmt")
    if shape.task == "ce":
        # A float tensor of class indices, for forward's own .long() to convert.
        return "torch.randint(0, 3, (8,)).float()" if converted else "torch.randint(0, 3, (8,))"
    if shape.task == "bce":
        return "torch.randint(0, 2, (8,))" if converted else "torch.randint(0, 2, (8,)).float()"
    return "torch.randn(8)"


def data_lines(shape: Shape) -> list[str]:
    lines = ["x = torch.randn(8, 4)", f"{shape.label_var} = {label_data(shape)}"]
    if shape.mask:
        lines += ["mask = torch.ones(8)", "mask[-2:] = 0.0"]
    return lines


def head_return(shape: Shape) -> str:
    """What ``Head.forward`` returns: the packing of Net's labelled result, with a zero loss."""
    r = shape.returns
    if r == "loss":
        return "logits"
    if r in ("loss_logits", "tuple_concat"):
        return "torch.zeros(()), logits"
    if r == "logits_loss":
        return "logits, torch.zeros(())"
    if r in ("dict", "dict_steps"):
        return '{"loss": torch.zeros(()), "logits": logits}'
    return f"{output_constructor(shape)}(loss=torch.zeros(()), logits=logits)"


@dataclass
class _Draft:
    """One project while ``build_project`` writes it: each section below adds its files, imports,
    top-level blocks and driver lines here, in the order they appear (and draws from ``rng`` in
    that order: a seed's files depend on it)."""

    shape: Shape
    rng: random.Random
    folder: str
    files: dict[str, str] = field(default_factory=dict)
    protected: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=lambda: ["import torch", "import torch.nn as nn", "import torch.nn.functional as F"])
    after_seed: list[str] = field(default_factory=list)
    """Project imports, after torch.manual_seed(0): a module may build a model."""
    top: list[list[str]] = field(default_factory=list)
    """Top-level blocks of train.py, in order."""
    driver: list[str] = field(default_factory=list)
    """What the program runs (at module level, under the main guard or in ``main()``)."""

    def ref(self, name: str) -> str:
        """How train.py names a class of the model module."""
        return f"netlib.{name}" if self.shape.import_style == "module_attr" else name

    @property
    def built(self) -> str:
        return "WideNet" if self.shape.classes == "subclass_used" else "Net"

    def constructor(self, reference: str) -> str:
        if self.shape.wrapper == "to_cpu":
            return f'{reference}().to("cpu")'
        if self.shape.wrapper == "data_parallel":
            return f"nn.DataParallel({reference}())"
        return f"{reference}()"


def build_project(shape: Shape, rng: random.Random, folder: str, scale: Optional[str]) -> Project:
    """The files under ``folder`` ("" or "exp_a/"): train.py, the model module, helpers."""
    draft = _Draft(shape, rng, folder)
    module = _place_classes(draft, scale)
    ctor = draft.constructor(draft.ref(draft.built))
    _global_binding(draft, module, ctor)
    hf = _distractor_files(draft)
    _serving_files(draft)
    # Factories.
    if shape.binding == "factory_direct":
        draft.top.append(["def build_model():", f"    return {ctor}"])
    elif shape.binding == "factory_named":
        draft.top.append(["def build_model():", f"    net = {ctor}", "    return net"])
    draft.driver += data_lines(shape)
    outside = _training_code(draft, ctor)
    _second_class(draft)
    _run_time_extras(draft, outside, hf)
    driver, top = draft.driver, draft.top
    if shape.scope == "module":
        top.append(driver)
    elif shape.scope == "main_guard":
        top.append(['if __name__ == "__main__":'] + ind(driver))
    else:
        top.append(["def main():"] + ind(driver))
        top.append(['if __name__ == "__main__":', "    main()"] if rng.random() < 0.7 else ["main()"])

    seeded = draft.header + ["", "torch.manual_seed(0)"] + ([""] + draft.after_seed if draft.after_seed else [])
    draft.files[folder + "train.py"] = join(seeded, *top)
    return Project(draft.files, folder + "train.py", tuple(draft.protected))


def _place_classes(draft: _Draft, scale: Optional[str]) -> str:
    """Where the classes live, and how train.py imports them: the model module's name ("" when
    they are in train.py itself)."""
    shape, folder = draft.shape, draft.folder
    if shape.layout == "single":
        draft.header = model_header(shape)
        draft.top += model_blocks(shape, draft.rng, scale)
        module = ""
    else:
        module = "pkg.model" if shape.layout == "package" else "model"
        path = folder + ("pkg/model.py" if shape.layout == "package" else "model.py")
        if shape.layout == "package":
            draft.files[folder + "pkg/__init__.py"] = ""
        draft.files[path] = join(model_header(shape), *model_blocks(shape, draft.rng, scale))

    names = ["Net"]
    if shape.classes in ("two_classes", "two_classes_shared"):
        names.append("Net2")
    if shape.classes == "subclass_used":
        names.append("WideNet")
    needs_output = shape.serving == "dynamic_other" and shape.returns in ("dataclass", "hf_output")
    if needs_output and shape.returns == "dataclass":
        names.append("NetOutput")
    if needs_output and shape.returns == "hf_output" and shape.layout != "single":
        draft.header.append("from transformers.modeling_outputs import SequenceClassifierOutput")

    if module:
        if shape.import_style == "from":
            draft.after_seed.append(f"from {module} import {', '.join(names)}")
        elif shape.import_style == "star":
            draft.after_seed.append(f"from {module} import *")
        elif shape.layout == "package":
            draft.after_seed.append("from pkg import model as netlib")
        else:
            draft.after_seed.append("import model as netlib")
    return module


def _global_binding(draft: _Draft, module: str, ctor: str) -> None:
    """The module-level MODEL of the global bindings: in train.py, or in a module of its own."""
    shape = draft.shape
    if shape.binding not in GLOBAL_BINDINGS:
        return
    binding_block = {
        "global_plain": ["MODEL = {}"],
        "global_try": ["try:", "    MODEL = {}", "except ImportError:", "    MODEL = None"],
        "global_with": ["with torch.no_grad():", "    MODEL = {}"],
        "global_if": ["if True:", "    MODEL = {}"],
        "global_for": ["for _ in range(1):", "    MODEL = {}"],
    }[shape.binding]
    if shape.global_home == "other_module":
        holder = ["import torch", "import torch.nn as nn", "", f"from {module} import {draft.built}"]
        draft.files[draft.folder + "holder.py"] = join(holder, [line.format(draft.constructor(draft.built)) for line in binding_block])
        draft.after_seed.append("from holder import MODEL")
    else:
        draft.top.append([line.format(ctor) for line in binding_block])


def _distractor_files(draft: _Draft) -> list[str]:
    """Distractors, in modules of their own, which must come out unchanged; the ones built on
    transformers."""
    folder = draft.folder
    distractors = draft.shape.distractor_list
    plain = [d for d in distractors if d not in HF_DISTRACTORS]
    if plain:
        extras: list[list[str]] = [["import torch", "import torch.nn as nn", "import torch.nn.functional as F"]]
        if "helper_other" in plain:
            extras.append(["def evaluate_plain(m, x):", "    return m(x)"])
        if "focal_loss" in plain:
            extras.append([
                "class FocalLoss(nn.Module):",
                "    def __init__(self, gamma=2.0):",
                "        super().__init__()",
                "        self.gamma = gamma",
                "",
                "    def forward(self, logits, labels):",
                '        ce = F.cross_entropy(logits, labels, reduction="none")',
                "        p = torch.exp(-ce)",
                "        return ((1 - p) ** self.gamma * ce).mean()",
            ])
        draft.files[folder + "extras.py"] = join(*extras)
        draft.protected.append(folder + "extras.py")
        imported = [n for d, n in (("helper_other", "evaluate_plain"), ("focal_loss", "FocalLoss")) if d in plain]
        draft.after_seed.append(f"from extras import {', '.join(imported)}")
    hf = [d for d in distractors if d in HF_DISTRACTORS]
    if hf:
        draft.files[folder + "hf_extras.py"] = hf_extras(hf)
        draft.protected.append(folder + "hf_extras.py")
    return hf


def _serving_files(draft: _Draft) -> None:
    """A serving module's ``predict_fn``, and the other model it may be handed at run time."""
    shape, folder = draft.shape, draft.folder
    if shape.serving == "none":
        return
    if shape.serving == "loaded_labelless":
        # No analysis can tell what pickle gives back: this call must see what it saw before.
        draft.files[folder + "predict.py"] = join(
            ["import pickle", "", "", "def predict_fn(frozen, x):", "    model = pickle.loads(frozen)", f"    return model(x){labelless_suffix(shape)}"]
        )
        draft.protected.append(folder + "predict.py")
        draft.after_seed.append("from predict import predict_fn")
        draft.header.insert(0, "import pickle")
        return
    if shape.serving == "called_labelless":
        suffix = labelless_suffix(shape)
    else:
        suffix = labelled_suffixes(shape)[1] or ""
        if shape.serving == "dynamic_other" and shape.returns == "hf_output" and suffix == "[1]":
            suffix = ".logits"
    draft.files[folder + "predict.py"] = join(["def predict_fn(model, batch):", f"    return model(**batch){suffix}"])
    if shape.serving in ("uncalled", "dynamic_other"):
        draft.protected.append(folder + "predict.py")
    if shape.serving.startswith("called"):
        draft.after_seed.append("from predict import predict_fn")
    if shape.serving == "dynamic_other":
        draft.header.insert(0, "import importlib")
        draft.top.append([
            "class Head(nn.Module):",
            "    def __init__(self):",
            "        super().__init__()",
            f"        self.fc = nn.Linear(4, {n_out(shape)})",
            "",
            "    def forward(self, x):",
            "        logits = self.fc(x)",
            f"        return {head_return(shape).replace('NetOutput', draft.ref('NetOutput'))}",
        ])


def _training_code(draft: _Draft, ctor: str) -> str:
    """Where the training code runs, and what the driver calls; how code outside the training
    functions names the model."""
    shape, rng = draft.shape, draft.rng
    args = data_args(shape)
    parameters = args  # the data parameters of the functions below
    if shape.binding.startswith("runner"):
        builds = shape.binding == "runner_builds"
        helper = shape.runner_builder == "helper_below"
        stored = "self._build_model()" if helper else ctor if builds else "model"
        draft.top.append(
            ["class Runner:"]
            + ind([
                "def __init__(self):" if builds else "def __init__(self, model):",
                f"    self.model = {stored}",
                "    self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)",
                "",
                f"def fit(self, {parameters}):",
                "    self.model.train()",
                *ind(train_loop(shape, "self.model", "self.optimizer", "train")),
            ])
            + ([""] + ind([f"def evaluate(self, {parameters}):", *ind(eval_block(shape, rng, "self.model"))]) if shape.eval_call != "none" else [])
            + ([""] + ind(["def _build_model(self):", f"    return {ctor}"]) if helper else [])
        )
        if shape.binding == "runner_name":
            draft.driver += [f"model = {ctor}", "runner = Runner(model)"]
        else:
            draft.driver.append("runner = Runner()" if builds else f"runner = Runner({ctor})")
        draft.driver.append(f"runner.fit({args})")
        if shape.eval_call != "none":
            draft.driver.append(f"runner.evaluate({args})")
        return "runner.model"
    if shape.binding in GLOBAL_BINDINGS:
        draft.top.append([
            f"def fit({parameters}):",
            "    optimizer = torch.optim.SGD(MODEL.parameters(), lr=0.1)",
            "    MODEL.train()",
            *ind(train_loop(shape, "MODEL", "optimizer", "train")),
        ])
        if shape.eval_call != "none":
            draft.top.append([f"def evaluate({parameters}):", *ind(eval_block(shape, rng, "MODEL"))])
            draft.driver += [f"fit({args})", f"evaluate({args})"]
        else:
            draft.driver.append(f"fit({args})")
        return "MODEL"
    outside = _local_model(draft, ctor)
    draft.driver.append(f"optimizer = torch.optim.SGD({outside}.parameters(), lr=0.1)")
    if shape.scope == "passed_to_function":
        param = rng.choice(["model", "net"])
        draft.top.append(
            [f"def train({param}, optimizer, {parameters}):", f"    {param}.train()", *ind(train_loop(shape, param, "optimizer", "train"))]
        )
        draft.driver.append(f"train({outside}, optimizer, {args})")
        if shape.eval_call != "none":
            draft.top.append([f"def evaluate({param}, {parameters}):", *ind(eval_block(shape, rng, param))])
            draft.driver.append(f"evaluate({outside}, {args})")
    else:
        draft.driver += [f"{outside}.train()"] + train_loop(shape, outside, "optimizer", "train") + eval_block(shape, rng, outside)
    return outside


def _local_model(draft: _Draft, ctor: str) -> str:
    """The driver builds the model in a name, a dict, a list or through a factory: how it is
    named after that."""
    binding = draft.shape.binding
    if binding == "name" and draft.shape.wrapper == "data_parallel_rebind":
        draft.driver += [f"model = {draft.ref(draft.built)}()", "model = nn.DataParallel(model)"]
        return "model"
    if binding == "name":
        draft.driver.append(f"model = {ctor}")
        return "model"
    if binding == "dict":
        draft.driver.append(f'models = {{"a": {ctor}}}')
        return 'models["a"]'
    if binding == "list":
        draft.driver.append(f"models = [{ctor}]")
        return "models[0]"
    draft.driver.append("model = build_model()")
    return "model"


def _second_class(draft: _Draft) -> None:
    """The second class: trained on its own, or by the same function as the first."""
    shape, args = draft.shape, data_args(draft.shape)
    parameters = args
    ref = draft.ref
    if shape.classes == "two_classes":
        draft.top.append([
            f"def train_second({parameters}):",
            f"    second = {ref('Net2')}()",
            "    optimizer = torch.optim.SGD(second.parameters(), lr=0.1)",
            "    second.train()",
            *ind(train_loop(shape, "second", "optimizer", "second")),
        ])
        draft.driver.append(f"train_second({args})")
    elif shape.classes == "two_classes_shared":
        draft.top.append([
            f"def fit_any(m, {parameters}):",
            "    optimizer = torch.optim.SGD(m.parameters(), lr=0.1)",
            "    m.train()",
            *ind(train_loop(shape, "m", "optimizer", "any")),
        ])
        draft.driver += [f"first = {ref('Net')}()", f"second = {ref('Net2')}()", f"fit_any(first, {args})", f"fit_any(second, {args})"]


def _run_time_extras(draft: _Draft, outside: str, hf: list[str]) -> None:
    """Serving and distractors at run time."""
    shape, driver = draft.shape, draft.driver
    distractors = shape.distractor_list
    if shape.serving == "called_with_labels":
        driver += [f"served = predict_fn({outside}, {batch_literal(shape)})", 'print(f"served {served.sum().item():.6f}")']
    elif shape.serving == "called_labelless":
        driver += [f'served = predict_fn({outside}, {{"x": x}})', 'print(f"served {served.sum().item():.6f}")']
    elif shape.serving == "loaded_labelless":
        driver += [f"served = predict_fn(pickle.dumps({outside}), x)", 'print(f"served {served.sum().item():.6f}")']
    elif shape.serving == "dynamic_other":
        driver += [
            "head = Head()",
            'serving = importlib.import_module("predict")',
            'served = getattr(serving, "predict_fn")(head, {"x": x})',
            'print(f"served {served.sum().item():.6f}")',
        ]
    if "helper_other" in distractors:
        driver += ["probe = nn.Linear(4, 3)", 'print(f"probe {evaluate_plain(probe, x).sum().item():.6f}")']
    if "focal_loss" in distractors:
        driver += ["focal = FocalLoss()", 'print(f"focal {focal(torch.randn(8, 3), torch.randint(0, 3, (8,))).item():.6f}")']
    if hf:
        # Imported where it is used: fixlabels' import check imports train.py, and a driver
        # inside main() then does not pay for importing transformers.
        driver.append("import hf_extras")
    if "hf_pretrained" in distractors:
        driver.append("hf_extras.run_tiny_hf()")
    if "hf_bert_head" in distractors:
        driver.append("hf_extras.run_bert_head()")


def hf_extras(chosen: list[str]) -> str:
    """Distractors built on transformers (tiny configs, never from_pretrained)."""
    imports = {"BertConfig"}
    if "trainer_subclass" in chosen:
        imports.add("Trainer")
    if "hf_pretrained" in chosen:
        imports |= {"BertModel", "PreTrainedModel"}
    if "hf_bert_head" in chosen:
        imports.add("BertForSequenceClassification")
    blocks: list[list[str]] = [
        ["import torch", "import torch.nn as nn", "import torch.nn.functional as F", f"from transformers import {', '.join(sorted(imports))}"],
        ["CONFIG = dict(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16, num_labels=2)"],
    ]
    if "trainer_subclass" in chosen:
        blocks.append([
            "class LossTrainer(Trainer):",
            "    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):",
            "        outputs = model(**inputs)",
            '        loss = outputs["loss"]',
            "        return (loss, outputs) if return_outputs else loss",
        ])
    if "hf_pretrained" in chosen:
        blocks.append([
            "class TinyHF(PreTrainedModel):",
            "    config_class = BertConfig",
            '    base_model_prefix = "bert"',
            "",
            "    def __init__(self, config):",
            "        super().__init__(config)",
            "        self.bert = BertModel(config)",
            "        self.head = nn.Linear(config.hidden_size, config.num_labels)",
            "        self.post_init()",
            "",
            "    def forward(self, input_ids, labels=None):",
            "        hidden = self.bert(input_ids).last_hidden_state[:, 0]",
            "        logits = self.head(hidden)",
            "        loss = None",
            "        if labels is not None:",
            "            loss = F.cross_entropy(logits, labels)",
            '        return {"loss": loss, "logits": logits}',
        ])
        blocks.append([
            "def run_tiny_hf():",
            "    model = TinyHF(BertConfig(**CONFIG))",
            "    model.eval()",
            "    ids = torch.randint(0, 50, (2, 5))",
            "    out = model(ids, labels=torch.tensor([0, 1]))",
            "    print(f\"tiny hf loss {out['loss'].item():.6f}\")",
        ])
    if "hf_bert_head" in chosen:
        blocks.append([
            "def run_bert_head():",
            "    model = BertForSequenceClassification(BertConfig(**CONFIG))",
            "    model.eval()",
            "    ids = torch.randint(0, 50, (2, 5))",
            "    out = model(input_ids=ids, labels=torch.tensor([0, 1]))",
            '    print(f"bert head loss {out.loss.item():.6f}")',
        ])
    return join(*blocks)


def generate(seed: int) -> Program:
    """The program of ``seed``: same seed, same files, byte for byte."""
    rng = random.Random(seed)
    shape = draw_shape(rng)
    if shape.layout == "experiments":
        # Same-named modules side by side; exp_b's loss is scaled, so swapping the two shows.
        first = build_project(shape, rng, "exp_a/", None)
        second = build_project(shape, rng, "exp_b/", "0.5")
        files = {**first.files, **second.files}
        entries = [first.entry, second.entry]
        protected = first.protected + second.protected
    else:
        project = build_project(shape, rng, "", None)
        files, entries, protected = project.files, [project.entry], project.protected
    return Program(seed, dict(sorted(files.items())), entries, asdict(shape), protected)
