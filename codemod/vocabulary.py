"""The words every layer shares: the ``labels`` parameter, the criterion placeholder, a
``forward`` signature, how a call is written, the plans that analysis makes and transforms carry
out, the refusal that stands in for a plan, and the codes of problems that are not rules.
Imports nothing of fixlabels but the lazy LibCST handle and the catalogue of refusal reasons,
so that every other module may import it.

The plans hold LibCST nodes (the code to move), typed here but never built here.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason

LABELS_PARAM = "labels"
"""The keyword a Hugging Face model (and its Trainer, and its collators) passes labels under."""
LABEL_ALIAS = "label"
"""What older code and datasets call it (``label=``, ``forward(self, x, label)``)."""
DEFAULT_CRITERION = "nn.CrossEntropyLoss()"
"""The criterion a fix inserts where the code has none (``--criterion`` overrides it)."""
CRITERION = "__fixlabels_criterion__"
"""In a loss template: where the criterion ``forward`` built for itself goes."""
LOSS_CLASS_SUFFIXES = ("Loss", "Criterion")
"""A class named so is a loss module: its forward's job *is* the loss (never FL001)."""
TRAINER_SUFFIXES = ("Trainer",)
TRAINER_PACKAGES = ("transformers.", "trl.")
"""Where the Trainer classes that call ``model(**inputs)`` with labels come from."""
TORCH_LOSS_CLASSES = frozenset(
    {
        "L1Loss", "MSELoss", "CrossEntropyLoss", "CTCLoss", "NLLLoss", "PoissonNLLLoss", "GaussianNLLLoss",
        "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
        "MultiLabelMarginLoss", "HuberLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
        "CosineEmbeddingLoss", "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    }
)

IMPORTS_TRANSFORMERS = re.compile(r"^[ \t]*(?:from[ \t]+transformers\b|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*transformers\b)", re.MULTILINE)


class TextEnum(str, enum.Enum):
    """``enum.StrEnum`` (Python 3.11) for the Pythons fixlabels supports: a member is its value,
    in comparisons and in the text it is formatted into."""

    def __str__(self) -> str:
        return str(self.value)


# Codes of problems with the input itself, reported like the rules' findings (Ruff's E902/E999).
IO_ERROR = "E902"
SYNTAX_ERROR = "E999"
INTERNAL_ERROR = "FL999"


@dataclass(frozen=True)
class ImportSpec:
    module: str
    obj: str | None = None
    asname: str | None = None



@dataclass(frozen=True)
class Param:
    name: str
    positional: bool
    has_default: bool


@dataclass(frozen=True)
class Signature:
    """A ``forward`` signature without ``self``."""

    params: tuple[Param, ...]
    var_positional: bool
    var_keyword: bool
    line: int
    column: int
    spelled: str = "labels"
    """The name calls give the labels parameter: ``label`` for a ``forward(self, x, label)``
    read as taking ``labels`` (its loss reads them by that name once read)."""

    def param(self, name: str) -> Optional[Param]:
        return next((p for p in self.params if p.name == name), None)

    def parameter_named(self, keyword: str) -> Optional[str]:
        """The parameter a call's ``keyword=`` fills, as read: ``label=`` fills ``labels`` when
        that is how calls spell it, and ``labels=`` then fills nothing."""
        if self.spelled != LABELS_PARAM:
            if keyword == LABELS_PARAM:
                return None
            if keyword == self.spelled:
                return LABELS_PARAM
        return keyword if self.param(keyword) is not None else None

    @property
    def positional_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.positional)

    def binds(self, positional: int, keywords: Iterable[str], double_star: bool) -> Optional[set[str]]:
        """The parameter names a call of this shape fills, or None if the call cannot bind."""
        names = self.positional_names
        if positional > len(names) and not self.var_positional:
            return None
        bound = set(names[:positional])
        for spelled in keywords:
            keyword = self.parameter_named(spelled)
            if keyword is None:
                if not self.var_keyword:
                    return None
                # Collected by `**kwargs`: under its own name, unless that is what the labels
                # parameter is read as (`labels=` given to a forward taking `label`).
                keyword = spelled if spelled != LABELS_PARAM or self.spelled == LABELS_PARAM else f"**{spelled}"
            if keyword in bound:
                return None
            bound.add(keyword)
        if double_star:
            return bound | {p.name for p in self.params}
        missing = [p for p in self.params if not p.has_default and p.name not in bound]
        return None if missing else bound


@dataclass(frozen=True)
class Location:
    """A place in a file, written as messages write it: ``path:line``, or ``path:line:column``
    (the column 1-based)."""

    path: str
    line: int
    column: Optional[int] = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.column is None else f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Refusal:
    """Why a fix is not made: what planning it returns instead of the plan (``T | Refusal``, as
    LibCST's codemods return a ``SkipReason``), what a rule's ``Unit`` holds once refused, and
    what the finding then says (``; not rewritten: <text>``)."""

    reason: str
    at: Optional[Location] = None
    """The place the reason is about (a call site, a line of a rewritten file), when it is not
    the finding's own: said after the reason, in parentheses."""
    kind: Optional[ForwardReason] = None
    """Which of the catalogued reasons reading ``forward`` this is (``codemod.reasons``)."""

    @classmethod
    def of(cls, kind: ForwardReason, **fields: str) -> "Refusal":
        """The refusal for a catalogued reason, its fields filled in."""
        return cls(kind.text(**fields), kind=kind)

    @property
    def text(self) -> str:
        return self.reason if self.at is None else f"{self.reason} ({self.at})"

    def located(self, at: Location) -> "Refusal":
        """This refusal about ``at``: where the caller knows the place and the callee did not."""
        return Refusal(self.text, at, self.kind)


class CallVia(TextEnum):
    """How a call reaches a model's ``forward`` (``CallSite.via``)."""

    CALL = "call"
    """``model(...)``."""
    FORWARD = "forward"
    """``model.forward(...)``."""
    SELF = "self"
    """``self(...)``, in a method of the class."""


@dataclass(frozen=True)
class CallShape:
    """How one call of a model is written: how it reaches ``forward`` and what it passes. The
    analysis reads it off the call; the call-site planner rewrites the call by it."""

    via: CallVia
    positional: int
    keywords: tuple[str, ...]
    star: bool
    double_star: bool
    double_star_keys: Optional[tuple[str, ...]]
    """The keys of the dict unpacked with ``**`` when its origin is a dict we can see."""
    double_star_has_labels: bool
    double_star_labelless: bool = False
    """The unpacked dict surely holds no labels: its keys are known, or it is a tokenizer's output."""
    last_positional: str = ""
    """Source of the last positional argument: a hint at what an extra argument is."""
    double_star_labels_unknown: bool = False
    """The unpacked dict is changed before the call in a way that may add or remove labels,
    and the order cannot be read (see ``analysis.dict_flow``): whether labels reach forward is
    not known."""
    labels_none: bool = False
    """``labels=None`` (or ``label=None``) by name: forward runs as without labels."""
    double_star_keys_passed: bool = False
    """``double_star_keys`` are those every visible call gives the parameter unpacked here:
    known for the calls seen, so the rewrite keeps the dict whole but for the labels."""


class ResultKind(TextEnum):
    """How a result is packed (``ResultShape.kind``). What ``forward`` returned with labels:"""

    LOSS = "loss"
    """The loss alone."""
    TUPLE = "tuple"
    """``return loss, logits`` (in either order)."""
    DICT = "dict"
    """``return {"loss": loss, "logits": logits}``."""
    OBJECT = "object"
    """``return Output(loss=loss, logits=logits)``: read by attribute."""
    HF_OUTPUT = "hf_output"
    """What code that passes labels expects back from a Hugging Face model (``HF_OUTPUT``): the
    loss first, then the logits, by index, key or attribute."""
    # What forward returned without labels (FL101's ``SitePlan.labelless_shape``), besides a
    # tuple or a dict:
    BARE = "bare"
    """The prediction alone."""
    MODEL_OUTPUT = "model_output"
    """A transformers ``ModelOutput``, which leaves its None fields out: its first item is the
    prediction."""


@dataclass(frozen=True)
class ResultShape:
    """How ``forward`` packed its result (``kind``: every packing is a ``ResultKind``), plus which
    key holds what."""

    kind: ResultKind
    loss_key: Union[int, str, None] = None
    prediction_key: Union[int, str, None] = None
    size: int = 1
    derived: Optional[cst.BaseExpression] = field(default=None, compare=False)
    """Calls without labels: what forward returned as the prediction, computed from what it
    returns now (``F.softmax(logits, dim=-1)``); None when it is the same value. The kind
    ``bare`` is such a prediction returned alone."""
    loss_first: bool = True
    """A dict's order: ``{"logits": ..., "loss": ...}`` iterates (and prints) the loss second."""
    filler: str = "None"
    """Calls without labels: what the slots beside the prediction held, as code (``None``, or a
    placeholder's constant: ``loss = 0`` left ``0``)."""
    positions: tuple[str, ...] = ()
    """A Hugging Face output built at the return: its fields as ``out[0]``, ``out[1]`` read
    them (``codemod.model_outputs``); empty when that order is not known."""

    def role_of(self, key: Union[int, str]) -> Optional[str]:
        """'loss' or 'prediction' for a reader's key (``out[0]``, ``out["loss"]``, ``out.loss``)."""
        if self.kind is ResultKind.TUPLE and isinstance(key, int):
            key = key + self.size if key < 0 else key
        if self.positions and isinstance(key, int):
            key = key + len(self.positions) if key < 0 else key
            if not 0 <= key < len(self.positions):
                return None
            key = self.positions[key]
        if key == self.loss_key:
            return "loss"
        if key == self.prediction_key:
            return "prediction"
        return None


class LossPlace(TextEnum):
    """Where a result with labels held its loss among its items or keys (``KeptResult.placed``)."""

    FIRST = "first"
    LAST = "last"
    MIDDLE = "middle"


@dataclass(frozen=True)
class KeptResult:
    """FL101, when calls without labels must keep what they got: ``forward`` keeps returning
    its labels-absent result, and a call with labels rebuilds its old result from that and the
    loss (``analysis.kept_result``)."""

    kind: ResultKind
    """``TUPLE``, ``DICT`` or ``OBJECT`` (read by attribute)."""
    loss_key: Union[int, str]
    """Where the result with labels held the loss: a position, a key, an attribute."""
    replaced: bool
    """The kept result holds a placeholder there (``(None, x)``), rather than no slot at all."""
    slots: tuple[tuple[str, Union[int, str]], ...]
    """Each value of forward the loss reads (the prediction first), and where the kept result
    holds it."""
    sequence: bool = False
    """A tuple the kept result is known to be, so it is read by position as the old one was."""
    fixed_after: int = 0
    """A tuple: how many items of known place followed the loss (``out[-1]`` is one of them)."""
    size: Optional[int] = None
    """A tuple: the length of the result with labels, when it is fixed."""
    placed: LossPlace = LossPlace.FIRST
    """Where the loss sat among the items or keys (an object's: among its constructor's fields)."""
    model_output: bool = False
    """An object that is a Hugging Face ``ModelOutput``: read as a dict of its fields that are not None."""
    rebuilt_by: Optional[str] = None
    """A ModelOutput's class as ``forward``'s module names it (``SequenceClassifierOutput``): a
    result used whole is rebuilt by calling it with the loss and the kept one's fields."""
    fields: tuple[str, ...] = ()
    """An object: the attributes its constructor sets. Any other attribute (a method, a
    property, ``to_tuple()``) may read the loss: it is not translated."""

    def translate(self, key: Union[int, str]) -> Optional[tuple[bool, Union[int, str]]]:
        """A reader's key of the old result (``0``, ``"loss"``, ``".logits"``) as (True, _)
        for the loss, (False, key) for where the kept result holds that value; None when it
        cannot be told."""
        if self.kind is ResultKind.TUPLE:
            if not isinstance(key, int):
                return None
            if key < 0:
                if self.size is not None:
                    key += self.size
                elif -key <= self.fixed_after:
                    return False, key  # the same item, counted from the end
                else:
                    return None
            if key == self.loss_key:
                return True, key
            assert isinstance(self.loss_key, int)
            return False, key - 1 if key > self.loss_key and not self.replaced else key
        if self.kind is ResultKind.DICT:
            if not isinstance(key, str) or key.startswith("."):
                return None
            return (True, key) if key == self.loss_key else (False, key)
        if self.model_output and isinstance(key, int):
            # A ModelOutput indexes its fields that are not None, in declaration order: with the
            # loss first and gone, each set field one place earlier. A placeholder kept there may
            # be set (0) or not (None); from the end, which fields are set decides.
            if self.placed is not LossPlace.FIRST or self.replaced or key < 0:
                return None
            return (True, key) if key == 0 else (False, key - 1)
        name = key[1:] if isinstance(key, str) and key.startswith(".") else key if self.model_output else None
        if not isinstance(name, str) or name not in self.fields:
            return None  # not an attribute the constructor sets: it may read the loss
        return (True, key) if name == self.loss_key else (False, key)


@dataclass(frozen=True)
class LossPlan:
    class_name: str
    signature: Signature
    prediction: str
    """The name ``forward`` returns after the rewrite (and uses in the loss template)."""
    loss_template: cst.BaseExpression
    criterion: Optional[cst.BaseExpression]
    """The constructor of a criterion that ``forward`` built itself, to create at call sites."""
    criterion_is_constant: bool
    shape: ResultShape
    free_names: frozenset[str]
    """Module-level names the template and criterion use: imported at call sites in other files."""
    uses_self: bool
    labels_uses: int
    # How forward itself changes:
    forward_node: cst.FunctionDef = field(compare=False)
    removed_statements: tuple[cst.CSTNode, ...] = field(compare=False)
    return_statement: cst.SimpleStatementLine = field(compare=False)
    hoisted_prediction: Optional[cst.BaseExpression] = field(default=None, compare=False)
    source_node: Optional[cst.FunctionDef] = field(default=None, compare=False)
    """The function as the file has it, when ``forward_node`` is a rewritten copy of it
    (``labels = labels.long()`` inlined): edits then replace it whole."""
    seen_prediction: Optional[cst.BaseExpression] = field(default=None, compare=False)
    """What calls with labels read as the prediction, computed from the new return value
    (``F.softmax(logits, dim=-1)`` when forward returned ``prob`` and the loss read ``logits``)."""
    labelled_refusal: Optional[Refusal] = None
    """Why no call with labels can be rewritten, though forward can (calls without labels can)."""
    extras: tuple[str, ...] = ()
    """Values of forward besides the prediction that the loss reads and no call could compute
    from it (``hidden`` in ``F.cross_entropy(logits, labels) + 0.01 * hidden.pow(2).mean()``):
    forward returns ``(prediction, *extras)`` from now on, and the calls unpack them."""
    inputs: tuple[tuple[str, Optional[str]], ...] = ()
    """Parameters of forward the loss reads as the call passed them (``attention_mask`` in a
    masked loss), each with its default as code (None: required)."""


PlanResult = Union[LossPlan, Refusal, None]


HF_OUTPUT = ResultShape(ResultKind.HF_OUTPUT, "loss", "logits", 2)
"""What code that passes labels expects back: a Hugging Face output (loss first, then logits)."""


@dataclass(frozen=True)
class SitePlan:
    """What every call site of one class needs, whichever rule made it."""

    signature: Signature
    loss_template: cst.BaseExpression
    """In the names ``labels``, ``prediction_placeholder``, ``self`` and ``CRITERION``."""
    prediction_placeholder: str
    preferred_prediction: str
    shape: ResultShape
    criterion: Optional[cst.BaseExpression]
    criterion_is_constant: bool
    labels_uses: int
    imports: dict[str, ImportSpec] = field(default_factory=dict)
    """Free names of the template and criterion, and how to import each in another module."""
    criterion_imports: dict[str, ImportSpec] = field(default_factory=dict)
    """Names the criterion constructor needs, imported only when a new criterion is inserted."""
    home_module: str = ""
    reuse_scope_criterion: bool = False
    """FL002: a loss object the scope already has (``criterion = nn.CrossEntropyLoss()``) is the
    criterion the author meant."""
    labels_optional: bool = False
    """FL101: forward computed no loss for ``labels=None``, so a call whose labels may be None
    at run time cannot get an unconditional loss."""
    labelless_shape: Optional[ResultShape] = None
    """FL101, a call without labels: forward used to pack its prediction this way (``{"logits":
    logits}``), or compute it from what it returns now; the call keeps its arguments and its
    readers unpack no more (or compute it)."""
    seen_prediction: Optional[cst.BaseExpression] = None
    """What a call with labels read as the prediction, in terms of ``prediction_placeholder``
    (``F.softmax(logits, dim=-1)``), when that is not what forward returns now."""
    extras: tuple[str, ...] = ()
    """``LossPlan.extras``: names of the loss template that forward returns after the
    prediction; a call binds each to a name of its own."""
    kept: Optional[KeptResult] = None
    """FL101: forward keeps returning its labels-absent result; a call with labels reads the
    loss's values from it and rebuilds the old result around the loss."""
    rebuild_imports: dict[str, ImportSpec] = field(default_factory=dict)
    """What a rebuilt kept result names (``KeptResult.rebuilt_by``), imported only where one is."""
    inputs: tuple[tuple[str, Optional[str]], ...] = ()
    """``LossPlan.inputs``: the call's own arguments the loss reads, by parameter."""


MODEL_CAPABLE_TYPES = frozenset({"Module", "Any", "Callable", "object", "Optional", "Union", "Sequential", "PreTrainedModel"})
"""Annotations a project model may hide behind: they say nothing of which model a parameter
holds (the call-site finder and the independent check both honour every other annotation)."""

CLASS_FACTORIES: dict[str, tuple[str, ...]] = {
    "from_pretrained": ("transformers.",),
    "from_config": ("transformers.",),
    "_from_config": ("transformers.",),
    "load_from_checkpoint": ("pytorch_lightning.", "lightning."),
}
"""Class methods a library defines to build an instance of the class they are called on
(``Tagger.load_from_checkpoint(path)`` is a ``Tagger``), by the packages whose classes define
them. A class of the project that defines one of these itself is read like any method."""
