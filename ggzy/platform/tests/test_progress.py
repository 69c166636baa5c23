from __future__ import annotations

from io import StringIO

from ggzy.core.progress import ProgressBar, render


def test_render() -> None:
    assert render("", 1234, 2700, width=10) == "[####......]  45% 1234/2700"
    assert render("导入", 0, 0, width=4) == "导入 [####] 100% 0/0"
    assert render("x", 5, 3, width=2) == "x [##] 100% 5/3"


def test_bar_writes_only_when_enabled() -> None:
    stream = StringIO()
    bar = ProgressBar(10, label="测试", enabled=True, stream=stream, min_interval=0)
    bar.update(5)
    bar.advance(5)
    bar.finish()
    text = stream.getvalue()
    assert "\r测试 [" in text and "100% 10/10\n" in text

    quiet = StringIO()
    with ProgressBar(10, enabled=False, stream=quiet) as bar2:
        bar2.update(10)
    assert quiet.getvalue() == ""


def test_default_follows_isatty() -> None:
    assert ProgressBar(1, stream=StringIO()).enabled is False
