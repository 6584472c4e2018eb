using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Webhooks;

/// <summary>
/// The callback receiver of the benchmark: Kestrel on 127.0.0.1:0 (loopback only) in this process. Every request
/// is answered 200 after its signature is verified (<see cref="StandardWebhooks.IsValid"/>, the service's fixed
/// test secret) and counted for the run its path names (<c>/hook/{workflow id}</c>), de-duplicated on
/// <c>webhook-id</c>.
/// </summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    /// <summary>A fixed test secret (passed to the app as <c>Webhooks:Secrets</c>); never used outside this benchmark.</summary>
    public const string Secret = "whsec_ZGFnaHR0cC1iZW5jaC1maXhlZC1rZXkh";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, CallbackTracker> _runs = new(StringComparer.Ordinal);
    private long _requests;
    private long _badSignatures;
    private long _unexpected;

    private CallbackReceiver(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    public long BadSignatures => Interlocked.Read(ref _badSignatures);

    /// <summary>Requests for a workflow no run is tracking (for example a late repeat after its run ended).</summary>
    public long Unexpected => Interlocked.Read(ref _unexpected);

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>The <c>callback</c> member of a submission: this receiver, the given task events and <c>completed</c>.</summary>
    public object CallbackFor(string workflowId, IReadOnlyList<string> taskEvents) => new
    {
        url = new Uri(BaseUrl, "/hook/" + Uri.EscapeDataString(workflowId)).ToString(),
        token = "daghttp",
        events = taskEvents.Append("completed").ToArray(),
    };

    /// <summary>Starts counting the callbacks of <paramref name="workflowId"/>; times are measured from <paramref name="started"/>.</summary>
    public CallbackTracker Track(string workflowId, int expected, long started)
    {
        var tracker = new CallbackTracker(expected, started);
        if (!_runs.TryAdd(workflowId, tracker))
        {
            throw new InvalidOperationException($"Workflow {workflowId} is tracked already.");
        }

        return tracker;
    }

    public void Untrack(string workflowId) => _runs.TryRemove(workflowId, out _);

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var headers = context.Request.Headers;
        var id = headers["webhook-id"].FirstOrDefault();
        var valid = StandardWebhooks.IsValid(Secret, id, headers["webhook-timestamp"].FirstOrDefault(), headers["webhook-signature"].FirstOrDefault(), buffer.ToArray());
        if (!valid)
        {
            Interlocked.Increment(ref _badSignatures);
        }

        var path = context.Request.Path.Value ?? string.Empty;
        var workflowId = path.StartsWith("/hook/", StringComparison.Ordinal) ? Uri.UnescapeDataString(path["/hook/".Length..]) : string.Empty;
        if (_runs.TryGetValue(workflowId, out var tracker))
        {
            tracker.Record(id, valid);
        }
        else
        {
            Interlocked.Increment(ref _unexpected);
        }

        context.Response.StatusCode = 200;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The callbacks of one run: distinct <c>webhook-id</c>s, duplicates, bad signatures, first and last arrival.</summary>
internal sealed class CallbackTracker(int expected, long started)
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<TimeSpan> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;
    private int _duplicates;
    private int _badSignatures;
    private long _first;

    /// <summary>Completes with the time (from the submit) at which the last expected distinct callback arrived.</summary>
    public Task<TimeSpan> AllArrived => _all.Task;

    public int Received => Volatile.Read(ref _received);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public TimeSpan? First => Interlocked.Read(ref _first) is var first and > 0 ? Stopwatch.GetElapsedTime(started, first) : null;

    public void Record(string? webhookId, bool valid)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _first, now, 0);
        if (!valid)
        {
            Interlocked.Increment(ref _badSignatures);
            return; // not counted as delivered
        }

        if (!_ids.TryAdd(webhookId!, 0))
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        if (Interlocked.Increment(ref _received) == expected)
        {
            _all.TrySetResult(Stopwatch.GetElapsedTime(started, now));
        }
    }
}

/// <summary>One run with callbacks; times are from the submit.</summary>
internal sealed record CallbackRun(
    TimeSpan Finished,
    string WorkflowOutcome,
    TimeSpan? Delivered,
    TimeSpan Waited,
    TimeSpan? First,
    TimeSpan? Settled,
    int Received,
    int Duplicates,
    int BadSignatures,
    string Outcome);
