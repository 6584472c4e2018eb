using LocalRuntime.Functions.Extensibility;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Queues.Tests;

/// <summary>The queue extension started against a fake host over a given store (the embedded one on a fake clock by default).</summary>
internal sealed class QueueHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TestFolder? _folder;

    private QueueHarness(IQueueStore store, TimeProvider clock, FakeFunctionsHost host, QueuesExtension extension, TestFolder? folder)
    {
        Store = store;
        Clock = clock;
        Host = host;
        Extension = extension;
        _folder = folder;
    }

    public IQueueStore Store { get; }

    public SqliteQueueStore Sqlite => (SqliteQueueStore)Store;

    public TimeProvider Clock { get; }

    public FakeTimeProvider FakeClock => (FakeTimeProvider)Clock;

    public FakeFunctionsHost Host { get; }

    public QueuesExtension Extension { get; }

    public static Task<QueueHarness> StartAsync(QueuesOptions options, params FunctionDescriptor[] functions) =>
        StartAsync(options, null, null, new Dictionary<string, string?>(), functions);

    public static async Task<QueueHarness> StartAsync(
        QueuesOptions options, IQueueStore? store, TimeProvider? clock, Dictionary<string, string?> settings, params FunctionDescriptor[] functions)
    {
        var harness = Create(options, store, clock, settings, functions);
        await harness.ListenAsync();
        return harness;
    }

    /// <summary>The harness with its listeners not started yet (start them with <see cref="ListenAsync"/>).</summary>
    public static QueueHarness Create(
        QueuesOptions options, IQueueStore? store, TimeProvider? clock, Dictionary<string, string?> settings, params FunctionDescriptor[] functions)
    {
        TestFolder? folder = null;
        if (store is null)
        {
            folder = new TestFolder();
            clock ??= new FakeTimeProvider(Start);
            store = new SqliteQueueStore(new SqliteQueueStoreOptions { Path = folder.File("queues.db") }, clock);
        }

        clock ??= TimeProvider.System;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var host = new FakeFunctionsHost(functions);
        var extension = new QueuesExtension(new SingleStore(store), Options.Create(options), configuration, clock, NullLoggerFactory.Instance);
        return new QueueHarness(store, clock, host, extension, folder);
    }

    public Task ListenAsync() => Extension.StartAsync(Host, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Extension.StopAsync(bound.Token);
        (Store as IDisposable)?.Dispose();
        _folder?.Dispose();
    }

    private sealed class SingleStore(IQueueStore store) : IQueueStoreProvider
    {
        public QueueStoreKind Kind => store is SqliteQueueStore ? QueueStoreKind.Sqlite : QueueStoreKind.AzureStorage;

        public IQueueStore Default => store;

        public IQueueStore GetStore(string? connectionName) => store;
    }
}
