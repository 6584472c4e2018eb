using System.ComponentModel.DataAnnotations;
using Azure.Storage.Queues;

namespace LocalRuntime.Queues;

/// <summary>
/// host.json <c>extensions.queues</c> (configuration section <c>AzureFunctionsJobHost:extensions:queues</c>), with the
/// meaning and defaults of Microsoft's Storage Queues extension 5.x except where noted.
/// </summary>
public sealed class QueuesOptions
{
    /// <summary>The configuration section this binds from (host.json as Microsoft's host maps it).</summary>
    public const string SectionName = "AzureFunctionsJobHost:extensions:queues";

    /// <summary>Messages received at once per function (1-32, default 16).</summary>
    [Range(1, 32)]
    public int BatchSize { get; set; } = 16;

    /// <summary>
    /// Fetch a new batch once no more than this many messages are in flight (null: <c>BatchSize / 2 * processor count</c>,
    /// as the extension computes it). At most <c>BatchSize + NewBatchThreshold</c> run at once.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int? NewBatchThreshold { get; set; }

    /// <summary>
    /// The longest wait between two polls of an empty queue (at least 100 ms). Default 1 s here (Microsoft's is 1 min):
    /// an Azure queue fed by another process is never left unread longer than this; the embedded queue is signalled
    /// and only re-checks this often.
    /// </summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a message that failed stays hidden before its retry (default 0: at once).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Deliveries before a failing message goes to <c>&lt;queue&gt;-poison</c> (default 5).</summary>
    [Range(1, int.MaxValue)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How bodies are carried on an Azure queue (<c>base64</c>, the default, or <c>none</c>); the embedded queue stores bytes as they are.</summary>
    public QueueMessageEncoding MessageEncoding { get; set; } = QueueMessageEncoding.Base64;

    /// <summary>The threshold in effect.</summary>
    public int EffectiveNewBatchThreshold => NewBatchThreshold ?? (BatchSize / 2 * Environment.ProcessorCount);
}
