using System.Collections.Concurrent;
using System.Net;
using LocalRuntime.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessTasks.Activities.Http;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The app in production mode (<c>AZURE_FUNCTIONS_ENVIRONMENT=Production</c> set in this host's configuration,
/// which wins over the process-wide variable the local runtime sets, so nothing process-wide changes), with a
/// scripted resolver: real DNS cannot be changed between submit and send in a test.
/// </summary>
public sealed class ProductionAppHost : AppHost
{
    public ScriptedResolver Resolver { get; } = new();

    protected override void Configure(LocalFunctionsApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
            ["Webhooks:Secrets"] = CallbackAppHost.Secret,
            ["Webhooks:MaxAttempts"] = "1",
        });
        builder.Services.AddSingleton<IHostAddressResolver>(Resolver);
    }
}

/// <summary>Answers per host from a queue of answers; the last answer repeats.</summary>
public sealed class ScriptedResolver : IHostAddressResolver
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<IPAddress[]>> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, IPAddress[]> _last = new(StringComparer.OrdinalIgnoreCase);

    public void Script(string host, params IPAddress[][] answers) => _answers[host] = new ConcurrentQueue<IPAddress[]>(answers);

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellation)
    {
        if (_answers.TryGetValue(host, out var queue) && queue.TryDequeue(out var next))
        {
            _last[host] = next;
            return Task.FromResult(next);
        }

        return _last.TryGetValue(host, out var last)
            ? Task.FromResult(last)
            : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
    }
}
