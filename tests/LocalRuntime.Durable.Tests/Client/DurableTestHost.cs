using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using LocalRuntime.Durable.Client;
using LocalRuntime.Durable.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessTasks.Testing;

namespace LocalRuntime.Durable.Tests.Client;

/// <summary>
/// One backend with everything around it: a DTFx <see cref="TaskHubWorker"/> running the test orchestrations, our
/// <see cref="SidecarServer"/> with Microsoft's <see cref="GrpcDurableTaskClient"/> on it (as the worker's
/// <c>[DurableClient]</c> is), and the management API on a loopback Kestrel. Subclasses bind a backend in one line.
/// </summary>
#pragma warning disable CA1001 // Disposed by xunit through IAsyncLifetime.DisposeAsync.
public abstract class DurableTestHost : IAsyncLifetime
#pragma warning restore CA1001
{
    /// <summary>The management API key the tests' authorization check accepts.</summary>
    public const string Key = "test-key";

    private TaskHubWorker? _worker;
    private WebApplication? _web;
    private GrpcChannel? _channel;

    public string TaskHub { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    public IOrchestrationService Service { get; private set; } = null!;

    public DurableClientService ClientService { get; private set; } = null!;

    public SidecarServer Sidecar { get; private set; } = null!;

    /// <summary>Microsoft's gRPC client, sending the Durable-TaskHub header as the Functions worker does.</summary>
    public GrpcDurableTaskClient Client { get; private set; } = null!;

    /// <summary>Loopback HTTP to the management API (base address of the web app; the key goes in a header).</summary>
    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What the host passes as the binding's requiredQueryStringParameters (null: none).</summary>
    protected virtual string? RequiredQueryString => null;

    /// <summary>Whether the backend can rewind a failed instance (Microsoft's Azure Storage provider can).</summary>
    public virtual bool SupportsRewind => true;

    /// <summary>Options the host's client side runs with (subclasses may change them).</summary>
    protected virtual DurableClientOptions CreateOptions() => new() { TaskHubName = TaskHub, ConnectionName = "Storage" };

    protected abstract Task<IOrchestrationService> CreateServiceAsync(string taskHub);

    protected virtual Task DisposeBackendAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Service = await CreateServiceAsync(TaskHub);
        await Service.CreateIfNotExistsAsync();
        _worker = new TaskHubWorker(Service, NullLoggerFactory.Instance);
        // Registered under their short names: those are the names the client starts (as Functions names them).
        _worker.AddTaskOrchestrations(
            Named(typeof(EchoOrchestration)), Named(typeof(WaitForEventOrchestration)), Named(typeof(FailingOrchestration)), Named(typeof(ParentOrchestration)));
        _worker.AddTaskActivities(typeof(EchoActivity));
        _worker.AddTaskEntities(new NameValueObjectCreator<global::DurableTask.Core.Entities.TaskEntity>("counter", string.Empty, typeof(CounterEntity)));
        await _worker.StartAsync();

        ClientService = new DurableClientService(Service, CreateOptions());
        Sidecar = new SidecarServer(ClientService);
        await Sidecar.StartAsync();
        Client = CreateGrpcClient(TaskHub);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _web = builder.Build();
        _web.MapManagementApi(ClientService, http => http.Request.Headers["x-functions-key"] == Key || http.Request.Query["code"] == Key, RequiredQueryString);
        await _web.StartAsync();
        BaseAddress = new Uri(_web.Urls.Single());
        Http = new HttpClient { BaseAddress = BaseAddress };
        Http.DefaultRequestHeaders.Add("x-functions-key", Key);
    }

    private static NameValueObjectCreator<TaskOrchestration> Named(Type type) => new(type.Name, string.Empty, type);

    /// <summary>A gRPC client for <paramref name="taskHub"/> (its Durable-TaskHub header), on its own channel.</summary>
    public GrpcDurableTaskClient CreateGrpcClient(string? taskHub)
    {
        var http = new HttpClient();
        if (taskHub is not null)
        {
            http.DefaultRequestHeaders.Add("Durable-TaskHub", taskHub);
            http.DefaultRequestHeaders.Add("Durable-ConnectionName", "Storage");
        }

        var channel = GrpcChannel.ForAddress(Sidecar.Address, new GrpcChannelOptions { HttpClient = http, DisposeHttpClient = true });
        _channel ??= channel;
        return new GrpcDurableTaskClient(taskHub ?? string.Empty, new GrpcDurableTaskClientOptions { Channel = channel, EnableEntitySupport = true }, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }

        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        _channel?.Dispose();
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }

        if (_worker is not null)
        {
            await _worker.StopAsync(isForced: true);
        }

        await DisposeBackendAsync();
    }
}

/// <summary>Microsoft's Azure Storage provider on a private Azurite: the reference backend.</summary>
public class AzureStorageTestHost : DurableTestHost
{
    private AzuriteFixture? _azurite;

    protected override async Task<IOrchestrationService> CreateServiceAsync(string taskHub)
    {
        _azurite = await AzuriteFixture.StartAsync();
        return new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(_azurite.ConnectionString),
            TaskHubName = taskHub,
            PartitionCount = 1,
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),

            // As Durable Functions configures the provider: a refused dedupe throws instead of being ignored.
            ThrowExceptionOnInvalidDedupeStatus = true,
            UseSeparateQueueForEntityWorkItems = true,
            LoggerFactory = NullLoggerFactory.Instance,
        });
    }

    protected override async Task DisposeBackendAsync()
    {
        (Service as IDisposable)?.Dispose();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
