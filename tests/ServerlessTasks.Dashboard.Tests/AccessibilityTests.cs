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
    // Runs in the page: the controls of the document (marked data-a11y with an index), those without an accessible name,
    // and the text whose contrast is below AA. The name is computed the way the accessible-name rules put it for these
    // elements (aria-labelledby, aria-label, a <label>, the content of a link or button, title); the background is the
    // nearest ancestor's opaque background colour (SVG text: the fill of the shape it is drawn on).
    private const string Audit = """
        () => {
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
          const describe = (e) => e.outerHTML.slice(0, 140);
          const unnamed = controls.filter((e) => !nameOf(e)).map(describe);
          controls.forEach((e, i) => e.setAttribute('data-a11y', String(i)));

          const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
          const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
          const background = (e) => {
            const layers = [];
            for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
              const c = parse(getComputedStyle(n).backgroundColor);
              if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
            }
            let color = { r: 255, g: 255, b: 255, a: 1 };
            for (const c of layers.reverse()) color = over(c, color);
            return color;
          };
          const visible = (e) => { for (let n = e; n && n.nodeType === 1; n = n.parentElement) { const s = getComputedStyle(n); if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false; } return e.getClientRects().length > 0; };
          const low = [];
          let checked = 0;
          for (const e of document.querySelectorAll('body *')) {
            if (!['#text'].some(() => [...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))) continue;
            if (e.closest('.skip') || !visible(e)) continue;
            const s = getComputedStyle(e);
            let fg, bg;
            if (e instanceof SVGElement) {
              fg = parse(s.fill);
              const shape = e.parentElement && e.parentElement.querySelector(':scope > rect');
              bg = shape && e.closest('.dag') ? over(parse(getComputedStyle(shape).fill) || { r: 255, g: 255, b: 255, a: 1 }, { r: 255, g: 255, b: 255, a: 1 }) : background(e.closest('svg').parentElement);
            } else {
              fg = parse(s.color);
              bg = background(e);
            }
            if (!fg) continue;
            fg = over(fg, bg);
            const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            const size = parseFloat(s.fontSize);
            const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
            checked++;
            if (ratio < (large ? 3 : 4.5)) low.push(`${ratio.toFixed(2)}:1 ${e.tagName.toLowerCase()}.${(e.getAttribute('class') || '').replace(/\s+/g, '.')} "${e.textContent.trim().slice(0, 40)}" (${s.color || s.fill} on rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)}))`);
          }
          return { controls: controls.length, unnamed, low, checked };
        }
        """;

    // The focused element's index and whether its focus can be seen: an outline, or (a graph node) its outlined shape. A
    // date input's focus is inside its parts (it matches :focus-within, not :focus).
    private const string Focused = """
        () => {
          const e = document.activeElement;
          if (!e || !e.hasAttribute('data-a11y')) return null;
          const s = getComputedStyle(e);
          let seen = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
          if (!seen && e.matches('.node')) { const r = getComputedStyle(e.querySelector('rect')); seen = r.stroke === 'rgb(180, 95, 6)' && parseFloat(r.strokeWidth) >= 3; }
          return { index: Number(e.getAttribute('data-a11y')), seen, what: `${e.outerHTML.slice(0, 100)} (outline ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}, :focus ${e.matches(':focus')}, :focus-visible ${e.matches(':focus-visible')}, :focus-within ${e.matches(':focus-within')})` };
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
            }

            var missed = Enumerable.Range(0, controls).Where(i => !reached.Contains(i)).ToList();
            foreach (var i in missed)
            {
                problems.Add($"{view}: not reached by Tab: {await dashboard.Page.Locator($"[data-a11y='{i}']").EvaluateAsync<string>("e => e.outerHTML.slice(0, 120)")}");
            }

            problems.AddRange(dashboard.Errors.Select(e => $"{view}: {e}"));
            var line = $"{view}: {controls} controls, {reached.Count} reached by Tab, {audit.GetProperty("checked").GetInt32()} text elements checked for contrast";
            output.WriteLine(line);
            Assert.True(controls > 0, line);
            await dashboard.ScreenshotAsync("a11y" + view.Replace('/', '-').TrimEnd('-'));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Distinct()));
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
