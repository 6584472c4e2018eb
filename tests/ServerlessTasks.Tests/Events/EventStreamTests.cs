using System.Text.Json;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Tests.Events;

public sealed class EventStreamTests(AppHost host) : IClassFixture<AppHost>
{
    [Fact]
    public async Task Stream_WorkflowEvents_InHlcOrder_ResumesAfterLastEventId()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = await ReadAsync("/api/events/stream?workflow_id=sse-1", null, until: events => events.Count(e => e.Kind == "completed") == 2,
            afterConnect: () => host.SubmitAsync("""{"workflow_id":"sse-1","tasks":[{"task_id":"a","task_type":"echo"},{"task_id":"b","task_type":"echo","dependencies":["a"]}]}"""),
            cts.Token);

        Assert.All(first, e => Assert.Equal("sse-1", e.WorkflowId));
        Assert.Equal(first.OrderBy(e => e.Hlc).Select(e => e.Hlc), first.Select(e => e.Hlc));
        Assert.Equal(first.Select(e => e.Hlc), (await EventAssertions.GetWorkflowEventsAsync(host.Http, "sse-1")).Select(e => e.Hlc));

        var resumeAfter = first[first.Count / 2].Hlc;
        var rest = await ReadAsync("/api/events/stream?workflow_id=sse-1", resumeAfter.ToString(), until: events => events.Count == first.Count - (first.Count / 2) - 1, afterConnect: null, cts.Token);
        Assert.Equal(first.Skip((first.Count / 2) + 1).Select(e => e.Hlc), rest.Select(e => e.Hlc));
    }

    private async Task<List<EventRow>> ReadAsync(string path, string? lastEventId, Func<List<EventRow>, bool> until, Func<Task>? afterConnect, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        if (afterConnect is not null)
        {
            await afterConnect();
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation));
        var events = new List<EventRow>();
        string? id = null;
        while (!until(events))
        {
            var line = await reader.ReadLineAsync(cancellation) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var row = EventRow.From(JsonDocument.Parse(line[6..]).RootElement);
                Assert.Equal(HlcTimestamp.Parse(id!), row.Hlc);
                events.Add(row);
            }
        }

        return events;
    }
}
