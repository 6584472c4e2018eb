using System.Net;

namespace ServerlessTasks.Activities.Http;

/// <summary>Resolves host names for the SSRF guard (a seam: tests change the answer between submit and send).</summary>
public interface IHostAddressResolver
{
    /// <summary>Every address <paramref name="host"/> resolves to.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellation);
}
