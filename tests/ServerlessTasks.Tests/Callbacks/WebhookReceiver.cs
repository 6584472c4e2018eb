using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>One request the receiver saw; <paramref name="ReceivedAt"/> is the receiver's clock (a test's durable time) at receipt.</summary>
public sealed record ReceivedWebhook(int Number, string Path, string? Id, string? Timestamp, string? Signature, byte[] Body, DateTimeOffset ReceivedAt)
{
    public long TimestampSeconds => long.Parse(Timestamp!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A real HTTP receiver (Kestrel on 127.0.0.1:0) whose answer each test programs.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private WebhookReceiver(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>Decides the answer to request n (1-based); the default answers 200.</summary>
    public Func<ReceivedWebhook, HttpContext, Task> Respond { get; set; } = (_, context) =>
    {
        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    };

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public string Url(string path = "/hook") => new Uri(BaseUrl, path).ToString();

    /// <summary>Starts a receiver; <paramref name="clock"/> stamps <see cref="ReceivedWebhook.ReceivedAt"/> (real time by default).</summary>
    public static async Task<WebhookReceiver> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, clock ?? TimeProvider.System);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var headers = context.Request.Headers;
        var received = new ReceivedWebhook(
            Interlocked.Increment(ref _count), context.Request.Path, headers["webhook-id"].FirstOrDefault(), headers["webhook-timestamp"].FirstOrDefault(),
            headers["webhook-signature"].FirstOrDefault(), buffer.ToArray(), _clock.GetUtcNow());
        _received.Enqueue(received);
        await Respond(received, context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
