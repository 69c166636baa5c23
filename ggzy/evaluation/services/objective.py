"""The committee's objective scores (客观分) of each bid (issue #8 §2): the committee reviews the
bid documents and agrees one score per objective criterion and bid, the same for every expert;
the chair enters it. Changeable until the result is computed (the workflow refuses it after)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.evaluation import scoring, selectors
from ggzy.evaluation.models import EvaluatedBid, Evaluation
from ggzy.evaluation.services._common import audit, lock, member_of, transition


@transaction.atomic
def objective_scores_record(
    *,
    actor: User,
    evaluation: Evaluation,
    bid: EvaluatedBid,
    values: Mapping[str, str],
    clock: Clock = system_clock,
) -> EvaluatedBid:
    """Record the committee's objective scores of one bid not rejected: ``values`` maps criterion
    keys to the typed score; a blank value clears that criterion, keys not given stay as they are.
    Only the chair; nothing is written unless every value is valid."""
    evaluation = lock(evaluation)
    transition(evaluation, "record_objective")
    member = member_of(evaluation, actor)
    if not member.is_chair:
        raise PermissionDenied("客观分由评标委员会主任录入。")
    try:
        bid = EvaluatedBid.objects.select_for_update().get(pk=bid.pk, evaluation=evaluation)
    except EvaluatedBid.DoesNotExist:
        raise ValidationFailed("未找到该投标文件。", fields={"bid": "无效"}) from None
    if bid.compliant is False:
        raise ValidationFailed("被否决的投标文件不参与评分。", fields={"bid": "已否决"})
    if not values:
        raise ValidationFailed("请填写客观分。", fields={"values": "必填"})
    config = selectors.config_of(evaluation)
    parsed = scoring.objective_input(config, bid.bid_ref, dict(values))
    stored = dict(bid.objective or {})
    for key, value in parsed.items():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = str(value)
    before = dict(bid.objective or {})
    bid.objective = stored
    bid.save(update_fields=["objective"])
    audit(
        bid,
        actor=actor,
        action="evaluation.objective_record",
        clock=clock,
        bid=bid.bid_ref,
        values=stored,
        before=before,
    )
    return bid
