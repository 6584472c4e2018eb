using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Queues;

/// <summary>
/// Resolves a binding's <c>connection</c> to a queue service client as the WebJobs SDK does: the setting
/// <c>AzureWebJobs&lt;name&gt;</c>, then <c>&lt;name&gt;</c> (also under <c>ConnectionStrings</c>), holding a connection
/// string (<c>UseDevelopmentStorage=true</c> is Azurite on its default ports), or a section with <c>queueServiceUri</c>
/// (or <c>accountName</c>) for an identity-based connection.
/// </summary>
public static class StorageConnection
{
    /// <summary>The connection used when a binding names none.</summary>
    public const string DefaultName = "AzureWebJobsStorage";

    /// <summary>A client for the named connection; the client does not encode bodies (the store does).</summary>
    /// <exception cref="InvalidOperationException">Nothing is configured under the name.</exception>
    public static QueueServiceClient CreateClient(IConfiguration configuration, string? connectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var name = string.IsNullOrWhiteSpace(connectionName) ? DefaultName : connectionName;
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        foreach (var key in Candidates(name))
        {
            var value = configuration[key] ?? configuration.GetConnectionString(key);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return new QueueServiceClient(value, options);
            }

            var section = configuration.GetSection(key);
            var uri = section["queueServiceUri"] ?? section["serviceUri"];
            if (string.IsNullOrWhiteSpace(uri) && section["accountName"] is { Length: > 0 } account)
            {
                uri = $"https://{account}.queue.core.windows.net";
            }

            if (!string.IsNullOrWhiteSpace(uri))
            {
                return new QueueServiceClient(new Uri(uri), new DefaultAzureCredential(), options);
            }
        }

        throw new InvalidOperationException(
            $"Storage connection '{name}' is not configured: set '{name}' to a connection string (UseDevelopmentStorage=true for Azurite) or '{name}__queueServiceUri' to a queue endpoint.");
    }

    private static IEnumerable<string> Candidates(string name)
    {
        const string Prefix = "AzureWebJobs";
        if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            yield return Prefix + name;
        }

        yield return name;
    }
}
