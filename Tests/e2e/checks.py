"""Accessibility and layout checks run in the browser on every page of the journey.

Basic, not a full audit: every form control has a label, every image an alt attribute, one
h1 and no skipped heading level, every visible text's colour against its background meets
WCAG 2.1 AA (4.5:1, 3:1 for large text), and the page does not scroll sideways.
"""

# Runs in the page; returns a list of problems (strings). `arguments[0]` is the viewport width.
PAGE_CHECKS = r"""
const width = arguments[0];
const problems = [];
const visible = el => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  // A closed <details> keeps its content laid out but not shown (Chrome's content-visibility: hidden).
  const folded = el.closest('details:not([open])') && !el.closest('summary');
  return !folded && style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
};
const describe = el => el.outerHTML.replace(/\s+/g, ' ').slice(0, 90);

// Labels: a <label for>, a wrapping <label>, or aria-label(ledby).
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (['hidden', 'submit', 'button', 'reset'].includes(el.type)) continue;
  const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label')
    || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!labelled) problems.push(`form control without a label: ${describe(el)}`);
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (visible(el) && !(el.innerText.trim() || el.getAttribute('aria-label') || el.querySelector('img[alt]:not([alt=""])')))
    problems.push(`button or link without text: ${describe(el)}`);
}

// Alt text: every image has the attribute (empty for decorative ones).
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push(`image without alt: ${describe(img)}`);
}

// Headings: exactly one h1, first, and no level skipped on the way down.
const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible);
const levels = headings.map(h => Number(h.tagName[1]));
if (levels.filter(l => l === 1).length !== 1) problems.push(`${levels.filter(l => l === 1).length} h1 elements (want 1)`);
if (levels.length && levels[0] !== 1) problems.push(`the first heading is h${levels[0]}`);
for (let i = 1; i < levels.length; i++) {
  if (levels[i] > levels[i - 1] + 1)
    problems.push(`heading level skipped: h${levels[i - 1]} → h${levels[i]} ("${headings[i].innerText.trim().slice(0, 40)}")`);
}
if (!document.documentElement.lang) problems.push('<html> has no lang');
if (!document.title.trim()) problems.push('the page has no title');

// Contrast of every element that shows text of its own.
const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const background = el => {
  const layers = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  return layers.reverse().reduce((acc, layer) => over(layer, acc), [255, 255, 255, 1]);
};
const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const seen = new Set();
for (const el of document.body.querySelectorAll('*')) {
  const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!ownText || !visible(el) || el.closest('[aria-hidden="true"]')) continue;
  const style = getComputedStyle(el);
  const bg = background(el);
  const fg = over(parse(style.color), bg);
  const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  const key = `${style.color}|${bg}|${needed}`;
  if (ratio < needed && !seen.has(key)) {
    seen.add(key);
    problems.push(`contrast ${ratio.toFixed(2)}:1 < ${needed}:1 for ${style.color} on rgb(${bg.slice(0, 3).map(Math.round)}) ("${el.innerText.trim().slice(0, 40)}")`);
  }
}

// Layout: nothing wider than the viewport.
const scrollWidth = document.documentElement.scrollWidth;
if (scrollWidth > width + 1) {
  const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap, pre'));
  problems.push(`the page scrolls sideways at ${width} px (${scrollWidth} px wide${wide.length ? ': ' + describe(wide[0]) : ''})`);
}
return problems;
"""


def page_problems(driver, width):
    """Every problem the checks find on the page as it is now, at `width` px."""
    return driver.execute_script(PAGE_CHECKS, width)


# --- The stylesheet itself ----------------------------------------------------------------
# The page checks see only the states the journey reaches; the stylesheet also styles dead
# deliveries, declined contracts, warnings. Every rule that sets a text colour or a
# background is checked here: its own text on its own background, or — where the rule sets
# only one of them — against the page and card backgrounds, or with the text it inherits.

import re  # noqa: E402


def _hex(value):
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


def _luminance(rgb):
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def stylesheet_problems(css):
    """Text/background pairs of the stylesheet below WCAG AA (4.5:1)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    variables = dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", css))

    def colour(value):
        value = value.strip()
        match = re.fullmatch(r"var\(--([\w-]+)\)", value)
        if match:
            value = variables.get(match.group(1), "")
        return _hex(value) if re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value) else None

    page, card, ink = colour("var(--bg)"), colour("var(--card)"), colour("var(--ink)")
    problems = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict((k.strip(), v.strip()) for k, v in re.findall(r"(?:^|;)\s*([\w-]+)\s*:\s*([^;]+)", body))
        fg = colour(declarations["color"]) if "color" in declarations else None
        bg = colour(declarations.get("background", declarations.get("background-color", "")).split()[0]) \
            if ("background" in declarations or "background-color" in declarations) else None
        if fg is None and bg is None:
            continue
        if fg and bg:
            pairs = [(fg, bg)]
        elif fg:
            pairs = [(fg, page), (fg, card)]
        else:
            # A background alone carries inherited text: the body's ink, or a button's white.
            pairs = [max(((ink, bg), ((255, 255, 255), bg)), key=lambda pair: contrast(*pair))]
        for text, back in pairs:
            ratio = contrast(text, back)
            problem = f"stylesheet: {selectors.strip()} — text rgb{text} on rgb{back}: {ratio:.2f}:1 < 4.5:1"
            if ratio < 4.5 and problem not in problems:
                problems.append(problem)
    return problems
