"""Sections' evaluation methods move from the placeholder keys to the glossary's (the
evaluation's), by the project's domain:

=========================  ==========================  ==============================
old key (label)            procurement (政府采购)       construction (工程建设)
=========================  ==========================  ==============================
``comprehensive``          ``comprehensive_scoring``   ``comprehensive_assessment``
``lowest_price``           ``lowest_evaluated_price``  ``lowest_reviewed_price``
``lowest_evaluated_price`` ``lowest_evaluated_price``  ``lowest_reviewed_price``
``other``                  "" (not allowed)            "" (not allowed)
=========================  ==========================  ==============================

This is the translation ``evaluation.sources`` applied until now, so a section evaluates with
the same method before and after. When the parameters already name a method allowed for the
domain, that method wins (it is the one the evaluation used). Other domains have no method.

Backwards, each key returns to the placeholder with the same Chinese name (综合评分法 and
综合评估法 → ``comprehensive``; 最低评标价法 → ``lowest_price``; 经评审的最低投标价法 →
``lowest_evaluated_price``). Keys the forward step cleared (``other``, a method not allowed
for the domain) stay empty: nothing records them any more.
"""

from django.db import migrations

FORWARD = {
    "procurement": {
        "comprehensive": "comprehensive_scoring",
        "lowest_price": "lowest_evaluated_price",
        "lowest_evaluated_price": "lowest_evaluated_price",
    },
    "construction": {
        "comprehensive": "comprehensive_assessment",
        "lowest_price": "lowest_reviewed_price",
        "lowest_evaluated_price": "lowest_reviewed_price",
    },
}
ALLOWED = {
    "procurement": {"comprehensive_scoring", "lowest_evaluated_price"},
    "construction": {"comprehensive_assessment", "lowest_reviewed_price"},
}
BACKWARD = {
    "comprehensive_scoring": "comprehensive",
    "comprehensive_assessment": "comprehensive",
    "lowest_evaluated_price": "lowest_price",
    "lowest_reviewed_price": "lowest_evaluated_price",
}


def new_key(domain, old, params):  # type: ignore[no-untyped-def]
    allowed = ALLOWED.get(domain, set())
    named = params.get("method") if isinstance(params, dict) else None
    if named in allowed:
        return named
    if old in allowed:  # already a key of the domain (so running twice changes nothing)
        return old
    key = FORWARD.get(domain, {}).get(old, "")
    return key if key in allowed else ""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Section = apps.get_model("trading", "Section")
    rows = Section.objects.select_related("tender_project__project").only(
        "evaluation_method", "evaluation_params", "tender_project__project__domain"
    )
    for section in rows.iterator(chunk_size=500):
        key = new_key(
            section.tender_project.project.domain, section.evaluation_method, section.evaluation_params
        )
        if key != section.evaluation_method:
            Section.objects.filter(pk=section.pk).update(evaluation_method=key)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Section = apps.get_model("trading", "Section")
    rows = Section.objects.filter(evaluation_method__in=list(BACKWARD)).only("evaluation_method")
    for section in list(rows):  # all read first: one old key is also a new one
        Section.objects.filter(pk=section.pk).update(evaluation_method=BACKWARD[section.evaluation_method])


class Migration(migrations.Migration):
    dependencies = [("trading", "0004_alter_section_evaluation_method")]

    operations = [migrations.RunPython(forward, backward)]
