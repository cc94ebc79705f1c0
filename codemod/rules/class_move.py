"""Moving the loss out of one class's ``forward``: the ``forward`` edit, the Trainer edits and
every call site, or the reason the class cannot move. Shared by FL001 (``labels`` required) and
FL101 (``labels=None``), which differ only in how they plan ``forward``.

Refuses when a call could be a library model, or another class whose fix would rewrite the call
otherwise (``pipeline.units.join_shared_calls``), the class has subclasses or
instances whose calls cannot be followed, the loss needs a name other files cannot import, or a
call does not pass labels the way ``forward`` takes them.
"""

from __future__ import annotations


from dataclasses import replace
from pathlib import Path
from typing import Optional, Union

from codemod.analysis.callsites import CallSite, ModelUse
from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
from codemod.cst.nodes import BUILTIN_NAMES, code_of, names_in, substitute
from codemod.lazy_libcst import cst
from codemod.model_outputs import positions
from codemod.rules.common import RuleContext, SiteTask, Unit, import_spec, location_of, unfollowed_instances_refusal
from codemod.rules.trainer import UNWRAPPED, trainer_edits
from codemod.transforms.edits import FileEdits, apply_edits
from codemod.transforms.forward import forward_edits
from codemod.transforms.kept_site import read, rebuilt_result
from codemod.vocabulary import CRITERION, LABELS_PARAM, ImportSpec, KeptResult, Location, LossPlan, Refusal, ResultKind, ResultShape, Signature, SitePlan

InferredSites = dict[ClassKey, list[CallSite]]
"""Calls through a receiver the analysis cannot trace that could be calls of a class, by their
shape (``inferred_sites``): class key -> those calls. Each refuses the class's rewrite."""
DATA_PARALLEL_NOTE = (
    "the model is wrapped in DataParallel: exact on one device; on several GPUs the loss is now "
    "computed once on the gathered predictions, not per replica and then reduced"
)


def binds_labels(site: CallSite, signature: Signature) -> bool:
    """The call gives forward labels: ``labels=None`` is no labels, forward's other path."""
    shape = site.shape
    if shape.star:
        return True
    if shape.labels_none:
        return False
    bound = signature.binds(shape.positional, shape.keywords, shape.double_star)
    if bound is None:
        return False
    if shape.double_star_labelless or shape.double_star_keys is not None:
        # Labels reach forward named, positional, or under a key the unpacked dict is known to
        # hold (`label` for `forward(self, x, label)`); a dict that lost them holds none.
        named = set(signature.positional_names[: shape.positional]) | {signature.parameter_named(k) for k in shape.keywords}
        named |= {signature.parameter_named(k) for k in shape.double_star_keys or ()}
        return LABELS_PARAM in named
    return LABELS_PARAM in bound


def fill_class_unit(
    ctx: RuleContext,
    key: ClassKey,
    plan: LossPlan,
    unit: Unit,
    inferred: InferredSites,
    forward: Optional[FileEdits] = None,
    labelless_refusal: Optional[Refusal] = None,
    labelless_shape: Optional[ResultShape] = None,
    kept: Optional[KeptResult] = None,
) -> None:
    """The forward edit, Trainer edits and call sites of one class; sets ``unit.refusal`` when
    any part cannot be done. FL101 passes its own ``forward`` edit, and ``labelless_refusal``:
    None when calls without labels keep working unchanged, else why they would not; and
    ``labelless_shape`` when such calls keep working once their readers unpack no more; or
    ``kept`` when forward keeps returning what they got, and calls with labels rebuild theirs."""
    module = ctx.index.module_of(key)
    unit.refusal = _class_refusal(ctx, key, labelless_unchanged=forward is not None and labelless_refusal is None and labelless_shape is None)
    if unit.refusal:
        return
    imports = _imports_for(plan, module, labelless_shape)
    if isinstance(imports, Refusal):
        unit.refusal = imports
        return
    unit.refusal = _trainer_edits_into(ctx, key, plan, unit, imports, forward, labelless_refusal, labelless_shape, kept)
    if unit.refusal:
        return
    site_plan = SitePlan(
        signature=plan.signature,
        loss_template=plan.loss_template,
        prediction_placeholder=plan.prediction,
        # `x = self.fc(x)`: an input's name would read as the input at the call site.
        preferred_prediction="logits" if plan.signature.param(plan.prediction) is not None else plan.prediction,
        shape=_with_positions(plan, module),
        criterion=plan.criterion,
        criterion_is_constant=plan.criterion_is_constant,
        labels_uses=plan.labels_uses,
        imports=imports,
        home_module=module.key,
        labels_optional=forward is not None,
        seen_prediction=plan.seen_prediction,
        # Kept: the loss's values are read from the kept result, not bound beside the prediction.
        extras=plan.extras if kept is None else (),
        kept=kept,
        rebuild_imports=_rebuild_imports(kept, module),
        inputs=plan.inputs,
    )
    if forward is None and plan.source_node is not None:
        forward = FileEdits()
        rewritten = apply_edits(cst.Module(body=[plan.forward_node]), forward_edits(plan)).body[0]
        forward.replace[plan.source_node] = rewritten
    edits = forward if forward is not None else forward_edits(plan)
    # What only the loss used (`SequenceClassifierOutput`, `CrossEntropyLoss`) may now be unused.
    moved_names = set().union(*(names_in(s) for s in plan.removed_statements), names_in(plan.return_statement))
    edits.stale_imports |= {spec for name in moved_names if name in module.imports and (spec := import_spec(name, module))}
    unit.edits.setdefault(module.path, FileEdits()).merge(edits)
    unit.refusal = _site_tasks_into(ctx, key, plan, unit, site_plan, inferred, forward is not None, labelless_refusal, labelless_shape)
    if any(task.site.instance.wrapped for task in unit.sites):
        unit.notes.append(f"; {DATA_PARALLEL_NOTE}")


def _rebuild_imports(kept: Optional[KeptResult], module: ModuleSummary) -> dict[str, ImportSpec]:
    """How another file imports the class a kept ModelOutput is rebuilt by; none where it
    cannot (a result used whole there then refuses)."""
    if kept is None or kept.rebuilt_by is None:
        return {}
    head = kept.rebuilt_by.partition(".")[0]
    spec = import_spec(head, module)
    return {head: spec} if spec is not None else {}


def _with_positions(plan: LossPlan, module: ModuleSummary) -> ResultShape:
    """The result's shape, with the order a Hugging Face output built at the return gives its
    fields to ``out[0]``/``out[1]`` when that order can be read."""
    shape = plan.shape
    returned = plan.return_statement.body[0]
    if shape.kind is not ResultKind.OBJECT or not isinstance(returned, cst.Return) or not isinstance(returned.value, cst.Call):
        return shape
    given = {key for key in (shape.loss_key, shape.prediction_key) if isinstance(key, str)}
    order = positions(module.resolve(code_of(returned.value.func)), given)
    return replace(shape, positions=order) if order is not None and len(given) == shape.size else shape


def _imports_for(plan: LossPlan, module: ModuleSummary, labelless_shape: Optional[ResultShape]) -> Union[dict[str, ImportSpec], Refusal]:
    """How each free name of the moved code is imported in another file, or why one cannot be."""
    imports = {}
    free_names = set(plan.free_names)
    if labelless_shape is not None and labelless_shape.derived is not None:
        free_names |= names_in(labelless_shape.derived) - {plan.prediction, "self"} - BUILTIN_NAMES
    for name in sorted(free_names):
        spec = import_spec(name, module)
        if spec is None:
            return Refusal(f"the loss uses `{name}`, which other files cannot import")
        imports[name] = spec
    return imports


def _trainer_edits_into(
    ctx: RuleContext,
    key: ClassKey,
    plan: LossPlan,
    unit: Unit,
    imports: dict[str, ImportSpec],
    forward: Optional[FileEdits],
    labelless_refusal: Optional[Refusal],
    labelless_shape: Optional[ResultShape],
    kept: Optional[KeptResult] = None,
) -> Optional[Refusal]:
    """Where Trainer is the training loop, the moved loss goes into its compute_loss: add those
    edits to ``unit``, or say why they cannot be made."""
    for use in ctx.graph.uses:
        if key not in use.instance.classes:
            continue
        if kept is not None:
            refusal = _kept_trainer_edits_into(ctx, use, plan, unit, imports, kept)
            if refusal is not None:
                return refusal
            continue
        if plan.extras:
            names = ", ".join(f"`{name}`" for name in plan.extras)
            return Refusal(
                f"the loss also reads {names}, which forward would now return beside the prediction; Trainer "
                f"({use.display_path}:{use.line}) takes a model's output as its logits, so this is not done under Trainer yet"
            )
        derived = plan.seen_prediction if plan.seen_prediction is not None else labelless_shape.derived if labelless_shape else None
        if derived is not None:
            return Refusal(
                f"forward returned `{code_of(derived)}` while the loss read `{plan.prediction}`, and Trainer "
                f"({use.display_path}:{use.line}) would see other predictions; not supported under Trainer yet"
            )
        if labelless_refusal is not None:
            return Refusal(f"{labelless_refusal.reason} (Trainer evaluates without labels too, {use.display_path}:{use.line})")
        if labelless_shape is not None and not (
            (labelless_shape.kind is ResultKind.DICT and labelless_shape.size == 1) or labelless_shape.kind is ResultKind.MODEL_OUTPUT
        ):
            # prediction_step takes a one-key dict's value (a ModelOutput keeps only the
            # fields that are not None) as the logits, as it takes a bare tensor.
            return Refusal(
                "without labels, forward packs its prediction with other values, and Trainer evaluates without labels too",
                Location(use.display_path, use.line),
            )
        outcome_edits = trainer_edits(ctx, use, _trainer_loss(plan), imports, _labelless_return(forward, labelless_shape))
        if isinstance(outcome_edits, Refusal):
            return outcome_edits.located(Location(use.display_path, use.line))
        unit.edits.setdefault(use.path, FileEdits()).merge(outcome_edits)
    return None


def _site_tasks_into(
    ctx: RuleContext,
    key: ClassKey,
    plan: LossPlan,
    unit: Unit,
    site_plan: SitePlan,
    inferred: InferredSites,
    labels_optional: bool,
    labelless_refusal: Optional[Refusal],
    labelless_shape: Optional[ResultShape],
) -> Optional[Refusal]:
    """Each call of the class becomes a task of ``unit``; the reason the class is refused: a
    call that could be another class, else the first call that cannot be rewritten."""
    ambiguous: Optional[Refusal] = None
    for site in inferred.get(key, []):
        if (
            labels_optional
            and labelless_refusal is None
            and labelless_shape is None
            and not binds_labels(site, plan.signature)
            and not site.shape.labels_none
        ):
            continue  # no labels, and calls without labels see the same prediction as before
        why = ctx.graph.untraced_receivers.get((site.display_path, site.line, site.column), "its receiver is not traced")
        annotate = f"; if it is one, annotate it (`{site.receiver}: {key.name}`)" if site.receiver.isidentifier() else ""
        ambiguous = Refusal(f"the call at {location_of(site)} could be a `{key.name}` ({why}){annotate}")
        break
    family = ctx.index.forward_family(key)
    for site in ctx.graph.sites_for(key, family):
        if labels_optional and not site.shape.star and not binds_labels(site, plan.signature):
            if labelless_refusal is None and (labelless_shape is not None or site.shape.labels_none):
                # No labels, no loss: the call now gets the prediction bare; its readers change,
                # and `labels=None` goes (forward takes no labels any more).
                unit.sites.append(SiteTask(site, replace(site_plan, labelless_shape=labelless_shape or ResultShape(ResultKind.BARE))))
                continue
            if labelless_refusal is None:
                continue  # no labels, no loss: the call sees the same prediction as before
            return ambiguous or labelless_refusal.located(location_of(site))
        refusal = _site_refusal(site, plan) or plan.labelled_refusal
        if refusal is not None:
            return ambiguous or refusal.located(location_of(site))
        unit.sites.append(SiteTask(site, site_plan))
    return ambiguous


def _kept_trainer_edits_into(
    ctx: RuleContext, use: ModelUse, plan: LossPlan, unit: Unit, imports: dict[str, ImportSpec], kept: KeptResult
) -> Optional[Refusal]:
    """compute_loss for a forward that keeps returning its labels-absent result: the loss read
    from it, and evaluation given back what forward returned with labels (a ModelOutput that left
    its None loss out reads as the same dict less the loss, which is what evaluation takes)."""
    outputs = cst.Name("outputs")
    values: dict[str, cst.BaseExpression] = {name: read(outputs, slot) for name, slot in kept.slots}
    loss = _trainer_loss(plan, values)
    returned = outputs if kept.kind is ResultKind.OBJECT and kept.model_output else rebuilt_result(kept, outputs, cst.Name("loss"))
    if isinstance(returned, str):
        return Refusal(f"Trainer evaluates what forward returned with labels, and {returned}", Location(use.display_path, use.line))
    outcome_edits = trainer_edits(ctx, use, loss, imports, kept_returned=returned)
    if isinstance(outcome_edits, Refusal):
        return outcome_edits.located(Location(use.display_path, use.line))
    unit.edits.setdefault(use.path, FileEdits()).merge(outcome_edits)
    return None


def _labelless_return(forward: Optional[FileEdits], packing: Optional[ResultShape]) -> Optional[cst.BaseExpression]:
    """What forward returned without labels, in terms of ``logits`` (the new return value);
    None for a forward that required labels (FL001): it could not be called without them."""
    if forward is None:
        return None
    logits = cst.Name("logits")
    if packing is None:
        return logits
    if (packing.kind is ResultKind.DICT and packing.size == 1) or packing.kind is ResultKind.MODEL_OUTPUT:
        # What LabelSmoother reads of it: `outputs["logits"]`.
        return cst.Dict([cst.DictElement(cst.SimpleString(f'"{packing.prediction_key}"'), logits)])
    return None  # other packings are refused under Trainer before this is needed


def _trainer_loss(plan: LossPlan, values: Optional[dict[str, cst.BaseExpression]] = None) -> cst.BaseExpression:
    """The moved loss in compute_loss's names: the prediction is ``logits`` (or ``values`` gives
    forward's values it reads); ``self`` is the model itself, unwrapped from whatever Trainer put
    around it (DataParallel, DeepSpeed)."""
    mapping: dict[str, cst.BaseExpression] = {
        LABELS_PARAM: cst.Name(LABELS_PARAM),  # compute_loss names them as forward did
        plan.prediction: cst.Name("logits"),
        "self": cst.Name(UNWRAPPED),
        # What `model(**inputs)` gave each parameter: the batch's key, else forward's default.
        **{
            name: cst.parse_expression(f'inputs["{name}"]' if default is None else f'inputs.get("{name}", {default})')
            for name, default in plan.inputs
        },
        **(values or {}),
    }
    if plan.criterion is not None:
        mapping[CRITERION] = plan.criterion
    return substitute(plan.loss_template, mapping)


def _class_refusal(ctx: RuleContext, key: ClassKey, labelless_unchanged: bool = False) -> Optional[Refusal]:
    family = ctx.index.forward_family(key)
    for use in ctx.graph.uses:
        if not family.isdisjoint(use.instance.classes) and (use.instance.classes - family or use.instance.library):
            return Refusal(f"the model given to `{use.consumer.rpartition('.')[2]}` at {use.display_path}:{use.line} could be another class")
    for member in sorted(family, key=lambda k: (k.module, k.name)):
        for sub in ctx.index.subclasses(member):
            if sub not in family:
                return Refusal(f"`{sub.name}` subclasses it with a `forward` of its own or another base; calls through it are not followed yet")
    for member in sorted(family, key=lambda k: (k.module, k.name)):
        refusal = unfollowed_instances_refusal(ctx, member, labelless_unchanged)
        if refusal is not None:
            return refusal
    return None


def _site_refusal(site: CallSite, plan: LossPlan) -> Optional[Refusal]:
    """Why this call of the class (or a subclass running its ``forward``) cannot be rewritten, if it cannot (the caller says where)."""
    if site.instance.library:
        return Refusal(f"the call could also be a `{sorted(site.instance.library)[0].rpartition('.')[2]}`")
    # A call that could also be another class of the project is this unit's task all the same:
    # it is rewritten once for every class it could be, when their fixes agree on it
    # (`pipeline.units.join_shared_calls`), or refused for all of them.
    if site.instance.untraced:
        names = " or ".join(sorted(f"`{k.name}`" for k in site.instance.classes))
        return Refusal(f"the call could be {names} or a value the analysis cannot trace ({site.instance.untraced})")
    if site.shape.star:
        return Refusal("labels reach forward through *args")
    if site.shape.double_star_labels_unknown:
        return Refusal(
            "the dict unpacked with `**` is changed before the call in a way that may add or remove labels, and the order cannot be read"
        )
    if not binds_labels(site, plan.signature):
        return Refusal("a call does not pass labels the way forward takes them")
    return None


def _can_reach(index: RepoIndex, path: Path, key: ClassKey) -> bool:
    """Could code in ``path`` be handed an instance of ``key``: is it imported from the same
    folder root as the class's module, or does it import that module, directly or through
    others?"""
    site_module = index.by_path.get(path)
    home = index.module_of(key)
    if site_module is not None and site_module.key != home.key and index.notebook_isolated(home.key):
        # No module imports a notebook: what it builds reaches another file only through the
        # functions of the modules it imports.
        return site_module.key in index.imported(home.key)
    if site_module is None or site_module.import_root == home.import_root:
        return True
    if site_module.key in index.importers(home.key):
        return True
    targets = set((site_module.links if site_module.links is not None else site_module.imports).values())
    if site_module.local_imports:
        targets |= set(site_module.local_imports.values())
    # Also `from models.model import Net` that the index could not resolve: any import path
    # through a module of that name might be this one. One that resolves to another file is not.
    stem = home.module_name.rpartition(".")[2]
    unresolved = [t for t in targets if not index.resolves(t)]
    return any(f".{stem}." in f".{t}." for t in unresolved)


def inferred_sites(ctx: RuleContext, plans: dict[ClassKey, LossPlan]) -> InferredSites:
    """Calls through a receiver the analysis cannot trace (a parameter no visible call passes a
    model to, a name bound to what it cannot follow) whose shape could call a planned class's
    ``forward``. Such a call is never taken for the class, even when it is the only candidate:
    it is a reason to refuse the class, named with the way out (an annotation)."""
    result: InferredSites = {}
    if not plans:
        return result
    for site in ctx.graph.unresolved:
        # A model's own methods do not call an instance of that model through `self.encoder`,
        # and code in another experiment folder cannot be handed one.
        for key, plan in plans.items():
            if key == site.enclosing_class or not _can_reach(ctx.index, site.path, key):
                continue
            if site.shape.star or plan.signature.binds(site.shape.positional, site.shape.keywords, site.shape.double_star) is not None:
                result.setdefault(key, []).append(site)
    return result


