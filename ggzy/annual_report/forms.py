"""The staff page's forms (labelled fields; the services validate again)."""

from __future__ import annotations

from django import forms

from ggzy.annual_report.services import TEXT_LIMIT


class YearForm(forms.Form):
    year = forms.IntegerField(label="报告年度", min_value=2008, max_value=2100)


class TextForm(forms.Form):
    intro = forms.CharField(label="导语", required=False, max_length=TEXT_LIMIT, widget=forms.Textarea)
    general = forms.CharField(
        label="一、总体情况（数字请用 {{figure:名称}} 引用，不要手工输入）",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea,
    )
    problems = forms.CharField(
        label="五、存在的主要问题及改进情况", required=False, max_length=TEXT_LIMIT, widget=forms.Textarea
    )
    other = forms.CharField(
        label="六、其他需要报告的事项", required=False, max_length=TEXT_LIMIT, widget=forms.Textarea
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label="退回意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(forms.Form):
    note = forms.CharField(label="更正说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
