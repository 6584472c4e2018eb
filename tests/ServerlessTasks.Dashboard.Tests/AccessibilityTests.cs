using System.Text.Json;
using Xunit.Abstractions;

namespace ServerlessTasks.Dashboard.Tests;

/// <summary>
/// Every view, rendered with data, audited in the browser: each control has an accessible name, rendered text has WCAG AA
/// contrast (4.5:1, 3:1 for large text) computed from the computed styles, every control is reached by Tab with a visible
/// focus indicator, and no console error. Offenders are listed in the failure message.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class AccessibilityTests(DashboardFixture app, ITestOutputHelper output)
{
    // Shared by the scripts below: colour parsing, relative luminance and contrast (WCAG 2.2), alpha compositing, the
    // background an element's text is drawn on (the nearest opaque ancestor background with any translucent layers over it),
    // and visibility.
    private const string Colours = """
          const parse = (c) => { const m = c && c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
          const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
          const contrast = (a, b) => { const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x); return (l1 + 0.05) / (l2 + 0.05); };
          const rgb = (c) => `rgb(${Math.round(c.r)},${Math.round(c.g)},${Math.round(c.b)})`;
          const WHITE = { r: 255, g: 255, b: 255, a: 1 };
          const background = (e) => {
            const layers = [];
            for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
              const c = parse(getComputedStyle(n).backgroundColor);
              if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
            }
            let color = WHITE;
            for (const c of layers.reverse()) color = over(c, color);
            return color;
          };
          // An SVG element's background: the fill of the shape it is drawn on in the DAG, else what is behind the <svg>.
          const svgBackground = (e) => {
            const shape = e.parentElement && e.parentElement.querySelector(':scope > rect');
            return shape && e.closest('.dag') ? over(parse(getComputedStyle(shape).fill) || WHITE, WHITE) : background(e.closest('svg').parentElement);
          };
          const visible = (e) => { for (let n = e; n && n.nodeType === 1; n = n.parentElement) { const s = getComputedStyle(n); if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false; } return e.getClientRects().length > 0; };
          const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${(e.getAttribute('class') || '').trim() ? '.' + e.getAttribute('class').trim().replace(/\s+/g, '.') : ''}`;
        """;

    // Runs in the page: the controls of the document (marked data-a11y with an index), those without an accessible name,
    // and the text whose contrast is below AA: element text, the text of ::before/::after content, and input placeholders.
    // The name is computed the way the accessible-name rules put it for these elements (aria-labelledby, aria-label, a
    // <label>, the content of a link or button, title).
    private const string Audit = "() => {" + Colours + """
          const controls = [...document.querySelectorAll('a[href], button, input, select, textarea, [role=button], [tabindex]')]
            .filter((e) => e.getAttribute('tabindex') !== '-1' && !e.disabled && getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length > 0);
          const nameOf = (e) => {
            const by = e.getAttribute('aria-labelledby');
            if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
            if (e.getAttribute('aria-label')) return e.getAttribute('aria-label').trim();
            if (e.id) { const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`); if (l && l.textContent.trim()) return l.textContent.trim(); }
            const wrap = e.closest('label'); if (wrap && wrap.textContent.trim()) return wrap.textContent.trim();
            if (['A', 'BUTTON', 'SUMMARY'].includes(e.tagName) || e.getAttribute('role') === 'button') { const t = e.textContent.trim(); if (t) return t; }
            return (e.getAttribute('title') || '').trim();
          };
          const unnamed = controls.filter((e) => !nameOf(e)).map((e) => e.outerHTML.slice(0, 140));
          controls.forEach((e, i) => e.setAttribute('data-a11y', String(i)));

          const low = [];
          const checked = { text: 0, pseudo: 0, placeholder: 0 };
          // AA for text: 4.5:1, 3:1 for large text (24px, or 18.66px bold).
          const check = (kind, what, text, fg, bg, s) => {
            if (!fg) return;
            fg = over(fg, bg);
            const ratio = contrast(fg, bg);
            const size = parseFloat(s.fontSize);
            const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
            checked[kind]++;
            if (ratio < (large ? 3 : 4.5)) low.push(`${ratio.toFixed(2)}:1 ${what} "${text.slice(0, 40)}" (${rgb(fg)} on ${rgb(bg)}, needs ${large ? 3 : 4.5}:1)`);
          };
          // The text of a computed content value: its strings (quotes, counters and images are not text here).
          const contentText = (content) => !content || content === 'none' || content === 'normal' ? '' : [...content.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1] ?? m[2]).join('').trim();
          for (const e of document.querySelectorAll('body *')) {
            if (e.closest('.skip') || !visible(e)) continue;
            const s = getComputedStyle(e);
            if ([...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim())) {
              if (e instanceof SVGElement) check('text', describe(e), e.textContent.trim(), parse(s.fill), svgBackground(e), s);
              else check('text', describe(e), e.textContent.trim(), parse(s.color), background(e), s);
            }
            if (e instanceof SVGElement) continue;
            for (const pseudo of ['::before', '::after']) {
              const p = getComputedStyle(e, pseudo);
              const text = contentText(p.content);
              if (!text || p.display === 'none' || p.visibility === 'hidden' || Number(p.opacity) === 0) continue;
              const own = parse(p.backgroundColor);
              const bg = own && own.a > 0 ? over(own, background(e)) : background(e);
              check('pseudo', describe(e) + pseudo, text, parse(p.color), bg, p);
            }
            if ((e instanceof HTMLInputElement || e instanceof HTMLTextAreaElement) && e.placeholder.trim() && !e.value) {
              const p = getComputedStyle(e, '::placeholder');
              check('placeholder', describe(e) + '::placeholder', e.placeholder.trim(), parse(p.color), background(e), p);
            }
          }
          return { controls: controls.length, unnamed, low, checked };
        }
        """;

    // The focused element's index and its focus indicator (WCAG 2.2 SC 2.4.7 visible, SC 1.4.11 non-text contrast 3:1): an
    // outline at least 2 px wide whose colour has 3:1 against the colours next to it (outside: what is behind the element,
    // its parent's background; inside, when the outline touches or overlaps the element: the element's own background). A
    // date input's focus is inside its parts (it matches :focus-within, not :focus).
    private const string Focused = "() => {" + Colours + """
          const e = document.activeElement;
          if (!e || !e.hasAttribute('data-a11y')) return null;
          const s = getComputedStyle(e);
          const state = `outline ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} offset ${s.outlineOffset}, :focus ${e.matches(':focus')}, :focus-visible ${e.matches(':focus-visible')}, :focus-within ${e.matches(':focus-within')}`;
          const what = `${e.outerHTML.slice(0, 100)} (${state})`;
          const seen = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
          const low = [];
          if (seen) {
            const ring = parse(s.outlineColor);
            const offset = parseFloat(s.outlineOffset);
            const outside = e instanceof SVGElement ? background(e.closest('svg').parentElement) : background(e.parentElement || e);
            const inside = e instanceof SVGElement ? svgBackground(e.querySelector('text') || e) : background(e);
            const adjacent = offset > 0 ? [['outside', outside]] : offset === 0 ? [['outside', outside], ['inside', inside]] : [['inside', inside]];
            for (const [side, bg] of adjacent) {
              const ratio = contrast(over(ring, bg), bg);
              if (ratio < 3) low.push(`${ratio.toFixed(2)}:1 focus outline ${rgb(ring)} against ${rgb(bg)} ${side} ${describe(e)} (needs 3:1)`);
            }
          }
          return { index: Number(e.getAttribute('data-a11y')), seen, low, what };
        }
        """;

    [Fact]
    public async Task EveryView_WithData_NamedControlsAaContrastTabReachableVisibleFocusNoConsoleErrors()
    {
        // Data for every view: a workflow with a failed task (its skipped dependent too) and a completed one, a worker,
        // an order, a dead letter.
        await app.SubmitAsync("""{"workflow_id": "a11y-1", "tasks": [{"task_id": "ok", "task_type": "echo", "payload": 1}, {"task_id": "bad", "task_type": "fail", "payload": {"fail_times": 5}, "max_retries": 0}, {"task_id": "next", "task_type": "echo", "payload": 2, "dependencies": ["ok", "bad"]}]}""");
        await app.WaitForWorkflowAsync("a11y-1");
        using (var r = await app.PostAsync("/api/workers/register", """{"worker_id": "a11y-w1", "capabilities": ["a11y"], "max_concurrent_tasks": 1}"""))
        {
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        }

        await WaitForQuietAsync();
        var problems = new List<string>();
        foreach (var view in new[] { "/", "/workflows", "/tasks", "/workflow/a11y-1", "/dead-letters", "/workers", "/orders" })
        {
            await using var dashboard = await app.OpenAsync("#" + (view == "/workflow/a11y-1" ? view + "?task=bad" : view));
            await dashboard.ReadyAsync(view);
            if (view.StartsWith("/workflow/", StringComparison.Ordinal))
            {
                await dashboard.Page.Locator("#details h3").Filter(new() { HasText = "Task bad" }).WaitForAsync();
            }

            var audit = await dashboard.Page.EvaluateAsync<JsonElement>(Audit);
            var controls = audit.GetProperty("controls").GetInt32();
            foreach (var e in audit.GetProperty("unnamed").EnumerateArray())
            {
                problems.Add($"{view}: no accessible name: {e.GetString()}");
            }

            foreach (var e in audit.GetProperty("low").EnumerateArray())
            {
                problems.Add($"{view}: contrast {e.GetString()}");
            }

            // Tab from the top of the document until every control was focused (a date input takes one Tab per field, so
            // the budget is generous; the walk wraps round the document).
            await dashboard.Page.EvaluateAsync("() => { document.activeElement?.blur(); window.getSelection()?.removeAllRanges(); }");
            var reached = new HashSet<int>();
            for (var i = 0; i < (controls * 8) + 20 && reached.Count < controls; i++)
            {
                await dashboard.Page.Keyboard.PressAsync("Tab");
                var focused = await dashboard.Page.EvaluateAsync<JsonElement?>(Focused);
                if (focused is not { ValueKind: JsonValueKind.Object } f)
                {
                    continue;
                }

                reached.Add(f.GetProperty("index").GetInt32());
                if (!f.GetProperty("seen").GetBoolean())
                {
                    problems.Add($"{view}: focus not visible on {f.GetProperty("what").GetString()}");
                }

                foreach (var low in f.GetProperty("low").EnumerateArray())
                {
                    problems.Add($"{view}: {low.GetString()}");
                }
            }

            var missed = Enumerable.Range(0, controls).Where(i => !reached.Contains(i)).ToList();
            foreach (var i in missed)
            {
                problems.Add($"{view}: not reached by Tab: {await dashboard.Page.Locator($"[data-a11y='{i}']").EvaluateAsync<string>("e => e.outerHTML.slice(0, 120)")}");
            }

            problems.AddRange(dashboard.Errors.Select(e => $"{view}: {e}"));
            var checkedCounts = audit.GetProperty("checked");
            var line = $"{view}: {controls} controls, {reached.Count} reached by Tab (focus indicator contrast checked on each), contrast checked on {checkedCounts.GetProperty("text").GetInt32()} text elements, {checkedCounts.GetProperty("pseudo").GetInt32()} ::before/::after texts, {checkedCounts.GetProperty("placeholder").GetInt32()} placeholders";
            output.WriteLine(line);
            Assert.True(controls > 0, line);
            await dashboard.ScreenshotAsync("a11y" + view.Replace('/', '-').TrimEnd('-'));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Distinct()));
    }

    [Fact]
    public async Task Audit_ColoursBrokenOnPurpose_ListsEveryOffender()
    {
        // The audit on a view it passes, then the same view with one offender of each kind: element text, ::before text,
        // a placeholder, a focus outline; each is listed, in document order (the header's live mark, the actions' event
        // name, the graph's heading). Rules are added through the CSS object model (the page's CSP refuses a <style>).
        await app.SubmitAsync("""{"workflow_id": "a11y-broken", "tasks": [{"task_id": "one", "task_type": "echo", "payload": 1}]}""");
        await app.WaitForWorkflowAsync("a11y-broken");
        await using var dashboard = await app.OpenAsync("#/workflow/a11y-broken");
        await dashboard.ReadyAsync("/workflow/a11y-broken");
        await dashboard.Page.Locator("#live.on").WaitForAsync();
        var clean = await dashboard.Page.EvaluateAsync<JsonElement>(Audit);
        Assert.Equal(0, clean.GetProperty("low").GetArrayLength());

        await dashboard.Page.EvaluateAsync("""
            () => {
              const sheet = document.styleSheets[0];
              for (const rule of ['#h-graph { color: #b8bcc2 !important; }', '#live.on::before { color: #a8dab5 !important; }',
                '#f-event-name::placeholder { color: #c0c4ca !important; }', '#cancel-workflow:focus { outline: 3px solid #e3e8f0 !important; }']) {
                sheet.insertRule(rule, sheet.cssRules.length);
              }
            }
            """);
        var broken = await dashboard.Page.EvaluateAsync<JsonElement>(Audit);
        var offenders = broken.GetProperty("low").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(
            ["p#live.live.on::before \"●\"", "input#f-event-name::placeholder \"approval:task-id\"", "h3#h-graph \"Graph\""],
            offenders.Select(o => o[(o.IndexOf(' ', StringComparison.Ordinal) + 1)..o.IndexOf(" (", StringComparison.Ordinal)]));
        await dashboard.Page.Locator("#cancel-workflow").FocusAsync();
        var focused = await dashboard.Page.EvaluateAsync<JsonElement>(Focused);
        var focusOffenders = focused.GetProperty("low").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.True(focused.GetProperty("seen").GetBoolean(), focused.GetProperty("what").GetString());
        output.WriteLine(string.Join(Environment.NewLine, offenders.Concat(focusOffenders)));
        Assert.Equal(["focus outline rgb(227,232,240) against rgb(251,251,252) outside button#cancel-workflow"], focusOffenders.Select(o => o[(o.IndexOf(' ', StringComparison.Ordinal) + 1)..o.IndexOf(" (", StringComparison.Ordinal)]));
    }

    // The overview redraws its recent events when events arrive: audit it while nothing runs (no pending or running task),
    // so the elements marked by the audit are the ones Tab walks.
    private async Task WaitForQuietAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var counts = (await app.GetJsonAsync("/api/dashboard/data/summary")).GetProperty("counts");
            if (counts.GetProperty("pending").GetInt32() == 0 && counts.GetProperty("running").GetInt32() == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the app never went quiet: {counts}");
            await Task.Delay(200);
        }
    }
}
