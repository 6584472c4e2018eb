using System.Collections.Concurrent;
using System.Net;
using ServerlessTasks.Activities.Http;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>Answers per host from a queue of answers; the last answer repeats; unknown names do not resolve.</summary>
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
