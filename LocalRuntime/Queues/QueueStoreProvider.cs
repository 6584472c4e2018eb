using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LocalRuntime.Queues;

/// <summary>Creates the configured transport's stores on first use and disposes the embedded one with the host.</summary>
internal sealed class QueueStoreProvider : IQueueStoreProvider, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly QueuesOptions _queues;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly Lazy<SqliteQueueStore> _sqlite;
    private readonly ConcurrentDictionary<string, Lazy<IQueueStore>> _azure = new(StringComparer.OrdinalIgnoreCase);

    public QueueStoreProvider(IConfiguration configuration, IOptions<QueueStoreOptions> store, IOptions<QueuesOptions> queues, ILoggerFactory loggers, TimeProvider time)
    {
        _configuration = configuration;
        _queues = queues.Value;
        _loggers = loggers;
        _time = time;
        Kind = store.Value.Store;
        var path = store.Value.SqlitePath;
        _sqlite = new Lazy<SqliteQueueStore>(() => new SqliteQueueStore(new SqliteQueueStoreOptions { Path = path }, _time));
    }

    public QueueStoreKind Kind { get; }

    public IQueueStore Default => GetStore(null);

    public IQueueStore GetStore(string? connectionName)
    {
        if (Kind == QueueStoreKind.Sqlite)
        {
            return _sqlite.Value;
        }

        var name = string.IsNullOrWhiteSpace(connectionName) ? StorageConnection.DefaultName : connectionName;
        return _azure.GetOrAdd(name, n => new Lazy<IQueueStore>(() => new AzureStorageQueueStore(
            StorageConnection.CreateClient(_configuration, n), _queues.MessageEncoding, _loggers.CreateLogger<AzureStorageQueueStore>(), _time))).Value;
    }

    public void Dispose()
    {
        if (_sqlite.IsValueCreated)
        {
            _sqlite.Value.Dispose();
        }
    }
}
