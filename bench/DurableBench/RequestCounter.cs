using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;

namespace DurableBench;

/// <summary>
/// Counts the storage requests Microsoft's provider makes (by service, method and resource), so a run can say how many Azurite
/// round trips one activity costs. Installed on the tuned DTFx baseline only: the provider and its settings are our host's.
/// </summary>
internal sealed class RequestCounter
{
    private static readonly string[] Tables = ["History", "Instances", "Partitions"];
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>A client provider for <paramref name="connectionString"/> whose every request is counted.</summary>
    public StorageAccountClientProvider Provider(string connectionString)
    {
        var blob = new BlobClientOptions();
        blob.AddPolicy(new Policy(this, "blob"), HttpPipelinePosition.PerCall);
        var queue = new QueueClientOptions();
        queue.AddPolicy(new Policy(this, "queue"), HttpPipelinePosition.PerCall);
        var table = new TableClientOptions();
        table.AddPolicy(new Policy(this, "table"), HttpPipelinePosition.PerCall);
        return new StorageAccountClientProvider(
            StorageServiceClientProvider.ForBlob(connectionString, blob),
            StorageServiceClientProvider.ForQueue(connectionString, queue),
            StorageServiceClientProvider.ForTable(connectionString, table));
    }

    /// <summary>The counts since the last call, highest first.</summary>
    public IReadOnlyList<(string Kind, int Count)> Take()
    {
        var snapshot = new List<(string, int)>();
        foreach (var key in _counts.Keys)
        {
            if (_counts.TryRemove(key, out var n))
            {
                snapshot.Add((key, n));
            }
        }

        return [.. snapshot.OrderByDescending(c => c.Item2)];
    }

    /// <summary>"queue GET messages", "queue DELETE message", "table POST $batch", "table PUT/MERGE entity", "table GET query"...</summary>
    private static string Kind(string service, Request request)
    {
        var segments = request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = segments.Length > 0 ? segments[^1] : string.Empty;
        var resource = service switch
        {
            "queue" => last == "messages" ? "messages" : segments.Length >= 4 ? "message" : "queue",
            "table" => last.StartsWith("$batch", StringComparison.Ordinal) ? "$batch"
                : last.Contains('(', StringComparison.Ordinal) && !last.EndsWith("()", StringComparison.Ordinal) ? $"{Table(last)} entity" : $"{Table(last)} query",
            _ => segments.Length > 2 ? "blob" : "container",
        };
        return $"{service} {request.Method} {resource}";
    }

    private static string Table(string last)
    {
        var name = last.Split('(')[0];
        return Tables.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) ?? name;
    }

    private sealed class Policy(RequestCounter owner, string service) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) =>
            owner._counts.AddOrUpdate(Kind(service, message.Request), 1, (_, n) => n + 1);
    }
}
