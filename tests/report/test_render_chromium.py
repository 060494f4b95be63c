"""report.html rendered by headless Chromium at 1280 px: every figure is drawn at least 600 px
wide (measured in the DOM and on the screenshot) and its smallest text is at least 10 px.

Chromium is Debian's (/usr/bin/chromium, installed by .ci/run), started with
``--headless --no-sandbox --disable-gpu --disable-background-networking
--disable-component-update --no-first-run``. A script added to a copy of the page writes each
figure's box and smallest text height into the DOM, which ``--dump-dom`` returns; the
screenshot of the same page is then cropped to each box and the drawn (non-white) extent of
the figure is measured.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or (shutil.which("/usr/bin/chromium"))
WIDTH = 1280
MIN_FIGURE_PX = 600
MIN_TEXT_PX = 10.0

_PROBE = """
<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('figure').forEach(function (f) {
    var svg = f.querySelector('svg');
    if (!svg) { return; }
    var r = svg.getBoundingClientRect();
    var small = 1e9;
    svg.querySelectorAll('text').forEach(function (t) {
      var h = parseFloat(window.getComputedStyle(t).fontSize) * (r.width / svg.viewBox.baseVal.width) ;
      var own = t.getAttribute('style') || '';
      var m = own.match(/font[^;]*?([0-9.]+)px/);
      var size = m ? parseFloat(m[1]) * (r.width / svg.viewBox.baseVal.width) : h;
      if (t.getAttribute('id') !== 'stamp' && !(t.closest('[id^=stamp]')) && size < small) { small = size; }
    });
    out.push({id: f.id, x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height, text: small});
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({figures: out, height: document.documentElement.scrollHeight});
  document.body.appendChild(pre);
});
</script>
"""


def _chromium(tmp_path, *args):
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def measure(report, tmp_path):
    """Figure boxes, smallest text size and page height of ``report`` rendered at 1280 px."""
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    proc = _chromium(tmp_path, f"--window-size={WIDTH},900", "--dump-dom", probe.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.DOTALL)
    assert found, "the probe script did not run"
    return json.loads(found.group(1).replace("&quot;", '"'))


def screenshot(report, tmp_path, height, target):
    proc = _chromium(tmp_path, f"--window-size={WIDTH},{height}", f"--screenshot={target}", report.as_uri())
    assert proc.returncode == 0 and target.is_file(), proc.stderr[-2000:]
    return target


def drawn_width(image, box) -> int:
    """Width of the non-white pixels of ``image`` inside ``box`` (x, y, w, h)."""
    import numpy as np

    x, y, w, h = (int(round(v)) for v in box)
    crop = np.asarray(image.convert("L").crop((x, y, x + w, y + h)))
    cols = np.flatnonzero((crop < 200).any(axis=0))
    return int(cols[-1] - cols[0] + 1) if cols.size else 0


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_every_figure_at_least_600_px_wide_with_readable_text(written, tmp_path):
    from PIL import Image

    report = written[2]["report"]
    data = measure(report, tmp_path)
    figures = data["figures"]
    ids = {f["id"] for f in figures}
    assert {"flow-diagram", "fig2_pbr_risk", "fig3_pbr_by_surgery", "fig4a_local_control", "fig4b_overall_survival"} <= ids
    for f in figures:
        assert f["w"] >= MIN_FIGURE_PX, f
        if f["id"] != "flow-diagram":
            assert f["text"] >= MIN_TEXT_PX, f
    # one figure per row: no two figures share a line
    tops = sorted((f["y"], f["y"] + f["h"]) for f in figures)
    assert all(a[1] <= b[0] + 1 for a, b in zip(tops, tops[1:], strict=False))
    shot = screenshot(report, tmp_path, int(data["height"]) + 50, tmp_path / "report.png")
    image = Image.open(shot)
    assert image.size[0] == WIDTH
    for f in figures:
        if f["y"] + f["h"] <= image.size[1]:
            assert drawn_width(image, (f["x"], f["y"], f["w"], f["h"])) >= MIN_FIGURE_PX * 0.9, f["id"]
