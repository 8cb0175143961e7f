"""static/css/plotly.css holds exactly the style rules our Plotly bundle would inject.

Under the CSP no script may add a <style> element, so dashboards/base.html marks Plotly's global
style element as present (`.no-inline-styles`) and links these rules instead. `make
plotly-bundle` rewrites the file after rebuilding the bundle.
"""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
BUNDLE = STATIC / "js" / "plotly-perf.min.js"
CSS = STATIC / "css" / "plotly.css"
HEADER = "/* Plotly's global style rules (plotly.js {version}), generated: see {test}. */\n"
# The bundle's rule table: {"X,X div": "direction:ltr;…", …}, X and Y standing for the selectors.
TABLE = re.compile(r"=(\{\"X,X div\":.*?\});for\(([\w$]+) in [\w$]+\)")
STRING = r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
ENTRY = re.compile(STRING + ":" + STRING)


def expected_css() -> str:
    source = BUNDLE.read_text(encoding="utf-8")
    version = re.search(r"plotly\.js v([\d.]+)", source)
    table = TABLE.search(source)
    assert version and table, "the Plotly bundle no longer holds its style table where expected"
    lines = []
    for key, value in ENTRY.findall(table.group(1)):
        selector = key[1:-1].replace('\\"', '"').replace("\\'", "'")
        selector = re.sub(r"^,", " ,", selector)
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules = value[1:-1].replace('\\"', '"').replace("\\'", "'")
        lines.append(f"{selector} {{ {rules} }}\n")
    # Plotly inserts each rule at the top of its sheet: the last one listed comes first.
    header = HEADER.format(version=version.group(1), test="tests/dashboards/test_plotly_css.py")
    return header + "".join(reversed(lines))


def test_the_stylesheet_matches_the_bundle():
    css = expected_css()
    assert css.count("{") > 50  # the whole table, not a fragment
    assert ".js-plotly-plot .plotly .main-svg {" in css
    assert CSS.read_text(encoding="utf-8") == css


if __name__ == "__main__":
    CSS.write_text(expected_css(), encoding="utf-8")
