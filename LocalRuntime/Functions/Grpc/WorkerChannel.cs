using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Grpc.Core;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;
using GrpcRpcException = Grpc.Core.RpcException;

namespace LocalRuntime.Functions.Grpc;

/// <summary>
/// The host's end of one worker process's <c>FunctionRpc.EventStream</c>: one writer loop drains an unbounded channel
/// onto the stream (so callers never contend for the stream), one reader loop dispatches what the worker sends;
/// invocations are correlated by invocation id in a lock-free table. Handshake, function loading, invocation,
/// cancellation, status probes and termination, as the Functions host's <c>GrpcWorkerChannel</c> does them.
/// </summary>
internal sealed partial class WorkerChannel : IDisposable
{
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly ConcurrentDictionary<string, PendingInvocation> _invocations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<FunctionLoadResponse>> _loads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _statusRequests = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<WorkerInitResponse> _initResponse = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<FunctionMetadataResponse> _metadataResponse = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly WorkerLogRouter _logs;
    private readonly ILogger _logger;
    private Exception? _failure;
    private bool _handlesCancel;
    private TaskCompletionSource? _idle;
    private Dictionary<string, LoadedFunction> _byName = new(StringComparer.OrdinalIgnoreCase);

    private readonly TimeProvider _time;
    private ITimer? _timeoutSweep;

    public WorkerChannel(string workerId, WorkerLogRouter logs, ILogger logger, TimeProvider? time = null)
    {
        WorkerId = workerId;
        _logs = logs;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The id the worker was started with (<c>--functions-worker-id</c>) and announces in <c>StartStream</c>.</summary>
    public string WorkerId { get; }

    /// <summary>The worker's own HTTP endpoint (its <c>HttpUri</c> capability), where HTTP requests are proxied.</summary>
    public Uri? HttpUri { get; private set; }

    /// <summary>What the worker said it can do, from its <c>WorkerInitResponse</c>.</summary>
    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>The functions this worker loaded, by name.</summary>
    public IReadOnlyDictionary<string, LoadedFunction> Functions => _byName;

    /// <summary>Completes when the worker has opened its stream.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes (with the reason) when the channel can take no more work: the stream ended or the channel was failed.</summary>
    public Task<Exception> Closed => _closed.Task;

    /// <summary>Invocations waiting for a response.</summary>
    public int InFlight => _invocations.Count;

    public bool IsClosed => Volatile.Read(ref _failure) is not null;

    /// <summary>Runs the stream until it ends: called by the gRPC service once the worker's <c>StartStream</c> named this channel.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken callCancelled)
    {
        if (!_connected.TrySetResult())
        {
            throw new InvalidOperationException($"Worker {WorkerId} opened a second stream.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, _stop.Token);
        var writer = WriteLoopAsync(responses, linked.Token);
        Exception reason;
        try
        {
            while (await requests.MoveNext(linked.Token).ConfigureAwait(false))
            {
                Dispatch(requests.Current);
            }

            reason = new WorkerUnavailableException($"Worker {WorkerId} closed its stream.");
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or GrpcRpcException or InvalidOperationException)
        {
            reason = Volatile.Read(ref _failure) ?? new WorkerUnavailableException($"Worker {WorkerId}'s stream was lost.", ex);
        }

        Fail(reason);
        await writer.ConfigureAwait(false);
    }

    /// <summary>
    /// The start-up handshake: <c>WorkerInitRequest</c> -> <c>WorkerInitResponse</c>, <c>FunctionsMetadataRequest</c> ->
    /// <c>FunctionMetadataResponse</c> (worker indexing), then one <c>FunctionLoadRequest</c> per function (the .NET worker
    /// does not handle the collection form) and their responses. Returns the loaded functions; one that failed to load is
    /// logged and left out, as the Functions host leaves it uninvocable.
    /// </summary>
    public async Task<IReadOnlyList<LoadedFunction>> InitializeAsync(
        WorkerInitRequest init, string appDirectory, Func<FunctionDescriptor, LoadedFunction> load, CancellationToken cancellation)
    {
        await _connected.Task.WaitAsync(cancellation).ConfigureAwait(false);
        Send(new StreamingMessage { RequestId = NewRequestId(), WorkerInitRequest = init });
        var initResponse = await _initResponse.Task.WaitAsync(cancellation).ConfigureAwait(false);
        if (initResponse.Result is { Status: not StatusResult.Types.Status.Success } initResult)
        {
            throw new InvalidOperationException($"Worker {WorkerId} failed to initialize: {Describe(initResult)}");
        }

        Capabilities = new Dictionary<string, string>(initResponse.Capabilities, StringComparer.OrdinalIgnoreCase);
        _handlesCancel = Capabilities.ContainsKey("HandlesInvocationCancelMessage");
        if (Capabilities.TryGetValue("HttpUri", out var httpUri) && Uri.TryCreate(httpUri, UriKind.Absolute, out var uri))
        {
            // The worker binds localhost (both loopbacks); connecting to 127.0.0.1 skips name resolution and the IPv6 attempt.
            HttpUri = uri.IsLoopback && string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
                ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri
                : uri;
        }

        Send(new StreamingMessage { RequestId = NewRequestId(), FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } });
        var metadata = await _metadataResponse.Task.WaitAsync(cancellation).ConfigureAwait(false);
        if (metadata.Result is { Status: StatusResult.Types.Status.Failure } metadataResult)
        {
            throw new InvalidOperationException($"Worker {WorkerId} failed to index the app's functions: {Describe(metadataResult)}");
        }

        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException(
                $"Worker {WorkerId} asked for host indexing (functions.metadata read by the host); this host needs worker indexing (worker.config.json \"workerIndexing\": \"true\", the isolated worker's default).");
        }

        var pending = new List<(RpcFunctionMetadata Metadata, FunctionDescriptor Descriptor, Task<FunctionLoadResponse> Response)>();
        foreach (var function in metadata.FunctionMetadataResults)
        {
            if (function is null)
            {
                continue;
            }

            if (function.Status is { Status: StatusResult.Types.Status.Failure } indexStatus)
            {
                LogFunctionIndexFailed(_logger, function.Name, Describe(indexStatus));
                continue;
            }

            var descriptor = ToDescriptor(function);
            var response = new TaskCompletionSource<FunctionLoadResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            _loads[function.FunctionId] = response;
            pending.Add((function, descriptor, response.Task));
        }

        foreach (var (function, _, _) in pending)
        {
            var request = new FunctionLoadRequest
            {
                FunctionId = function.FunctionId,
                Metadata = new RpcFunctionMetadata
                {
                    Name = function.Name,
                    Directory = string.IsNullOrEmpty(function.Directory) ? appDirectory : function.Directory,
                    ScriptFile = function.ScriptFile,
                    EntryPoint = function.EntryPoint,
                    Language = function.Language,
                    FunctionId = function.FunctionId,
                    IsProxy = false,
                },
            };
            request.Metadata.Bindings.Add(function.Bindings);
            request.Metadata.Properties.Add(function.Properties);
            request.Metadata.RawBindings.Add(function.RawBindings);
            Send(new StreamingMessage { RequestId = NewRequestId(), FunctionLoadRequest = request });
        }

        await Task.WhenAll(pending.Select(p => p.Response)).WaitAsync(cancellation).ConfigureAwait(false);
        var loaded = new List<LoadedFunction>(pending.Count);
        foreach (var (_, descriptor, response) in pending)
        {
            var result = response.Result.Result;
            if (result is { Status: not StatusResult.Types.Status.Success })
            {
                LogFunctionLoadFailed(_logger, descriptor.Name, Describe(result));
                continue;
            }

            loaded.Add(load(descriptor));
        }

        _byName = loaded.ToDictionary(f => f.Descriptor.Name, StringComparer.OrdinalIgnoreCase);
        return loaded;
    }

    /// <summary>Sends one invocation and waits for its response; see <see cref="IFunctionsHost.InvokeAsync"/>.</summary>
    /// <exception cref="WorkerUnavailableException">The channel failed before or while the invocation was in flight.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired; an <c>InvocationCancel</c> was sent.</exception>
    public async Task<InvocationResponse> InvokeAsync(LoadedFunction function, InvocationRequest request, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var pending = PendingInvocation.Rent(this, request.InvocationId, function, _timeoutSweep is null ? 0 : _time.GetTimestamp(), cancellation);
        if (!_invocations.TryAdd(request.InvocationId, pending))
        {
            PendingInvocation.Return(pending);
            throw new InvalidOperationException($"Invocation id {request.InvocationId} is already in flight.");
        }

        // The failure flag is read after the entry is added and Fail() sets it before sweeping the table: one of the two sees the other.
        var failure = Volatile.Read(ref _failure);
        if (failure is not null || !_outbound.Writer.TryWrite(new StreamingMessage { InvocationRequest = request }))
        {
            if (_invocations.TryRemove(new KeyValuePair<string, PendingInvocation>(request.InvocationId, pending)))
            {
                PendingInvocation.Return(pending);
                OnRemoved();
                throw Unavailable(failure ?? Volatile.Read(ref _failure));
            }
        }

        var registration = cancellation.CanBeCanceled
            ? cancellation.UnsafeRegister(static state => ((PendingInvocation)state!).Channel.CancelInvocation((PendingInvocation)state!), pending)
            : default;
        try
        {
            return await pending.AsValueTask().ConfigureAwait(false);
        }
        finally
        {
            // Dispose waits for a running cancellation callback, so the pooled object is idle when it goes back.
            registration.Dispose();
            PendingInvocation.Return(pending);
        }
    }

    /// <summary>Completes when no invocation is in flight (used to drain before terminating).</summary>
    public Task WhenIdleAsync(CancellationToken cancellation)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _idle, idle);
        if (_invocations.IsEmpty)
        {
            idle.TrySetResult();
        }

        return idle.Task.WaitAsync(cancellation);
    }

    /// <summary>A <c>WorkerStatusRequest</c> round trip: the worker's liveness and stream latency.</summary>
    public async Task<TimeSpan> ProbeAsync(CancellationToken cancellation)
    {
        var requestId = NewRequestId();
        var response = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _statusRequests[requestId] = response;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (IsClosed || !_outbound.Writer.TryWrite(new StreamingMessage { RequestId = requestId, WorkerStatusRequest = new WorkerStatusRequest() }))
            {
                throw Unavailable(Volatile.Read(ref _failure));
            }

            await response.Task.WaitAsync(cancellation).ConfigureAwait(false);
            return System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
        finally
        {
            _statusRequests.TryRemove(requestId, out _);
        }
    }

    /// <summary>Asks the worker to exit (<c>WorkerTerminate</c> with a grace period); the caller waits for the process.</summary>
    public void Terminate(TimeSpan gracePeriod)
    {
        if (!IsClosed)
        {
            _outbound.Writer.TryWrite(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(gracePeriod) } });
        }
    }

    /// <summary>
    /// Closes the channel: every invocation in flight fails with <paramref name="reason"/> at once (as a
    /// <see cref="WorkerUnavailableException"/>), nothing more is sent or read. Idempotent; the first reason wins.
    /// </summary>
    public void Fail(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        _outbound.Writer.TryComplete();
        var unavailable = Unavailable(reason);
        _connected.TrySetException(unavailable);
        _initResponse.TrySetException(unavailable);
        _metadataResponse.TrySetException(unavailable);
        foreach (var load in _loads)
        {
            load.Value.TrySetException(unavailable);
        }

        foreach (var status in _statusRequests)
        {
            status.Value.TrySetException(unavailable);
        }

        foreach (var invocation in _invocations)
        {
            if (_invocations.TryRemove(invocation))
            {
                invocation.Value.SetException(unavailable);
            }
        }

        OnRemoved();

        _closed.TrySetResult(reason);
        _timeoutSweep?.Dispose();

        // The reader may be blocked on a worker that is gone; stop both loops.
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already torn down.
        }
    }

    /// <summary>
    /// Enforces host.json's <c>functionTimeout</c> with one sweep per second over the invocations in flight (no timer per
    /// invocation): one past it is cancelled in the worker and fails with <see cref="FunctionTimeoutException"/>;
    /// <paramref name="onTimeout"/> then recycles the worker, as the Functions host does.
    /// </summary>
    public void EnforceTimeout(TimeSpan timeout, Action<string, string> onTimeout)
    {
        var sweep = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 1000));
        _timeoutSweep = _time.CreateTimer(_ => Sweep(timeout, onTimeout), null, sweep, sweep);
    }

    public void Dispose()
    {
        _timeoutSweep?.Dispose();
        _stop.Dispose();
    }

    private void Sweep(TimeSpan timeout, Action<string, string> onTimeout)
    {
        foreach (var (id, pending) in _invocations)
        {
            if (_time.GetElapsedTime(pending.StartedAt) < timeout || !_invocations.TryRemove(new KeyValuePair<string, PendingInvocation>(id, pending)))
            {
                continue;
            }

            var name = pending.Function.Descriptor.Name;
            if (_handlesCancel)
            {
                _outbound.Writer.TryWrite(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = id } });
            }

            pending.SetException(new FunctionTimeoutException($"Invocation {id} of {name} ran past functionTimeout ({timeout})."));
            OnRemoved();
            onTimeout(id, name);
        }
    }

    private void CancelInvocation(PendingInvocation pending)
    {
        if (!_invocations.TryRemove(new KeyValuePair<string, PendingInvocation>(pending.InvocationId, pending)))
        {
            return;
        }

        if (_handlesCancel)
        {
            _outbound.Writer.TryWrite(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = pending.InvocationId } });
        }

        pending.SetException(new OperationCanceledException($"Invocation {pending.InvocationId} of {pending.Function.Descriptor.Name} was cancelled.", null, pending.Cancellation));
        OnRemoved();
    }

    private void OnRemoved()
    {
        if (Volatile.Read(ref _idle) is { } idle && _invocations.IsEmpty)
        {
            idle.TrySetResult();
        }
    }

    private void Send(StreamingMessage message)
    {
        if (!_outbound.Writer.TryWrite(message))
        {
            throw Unavailable(Volatile.Read(ref _failure));
        }
    }

    private async Task WriteLoopAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellation)
    {
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    // Flush only when nothing else is queued: a burst of invocations goes out in few HTTP/2 frames.
                    responses.WriteOptions = reader.TryPeek(out _) ? Buffered : null;
                    await responses.WriteAsync(message, cancellation).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or GrpcRpcException or InvalidOperationException)
        {
            Fail(Volatile.Read(ref _failure) ?? new WorkerUnavailableException($"Writing to worker {WorkerId} failed.", ex));
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                var response = message.InvocationResponse;
                if (_invocations.TryRemove(response.InvocationId, out var pending))
                {
                    pending.SetResult(response);
                    OnRemoved();
                }
                else
                {
                    LogResponseWithoutInvocation(_logger, response.InvocationId);
                }

                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                var log = message.RpcLog;
                _logs.Route(log, !string.IsNullOrEmpty(log.InvocationId) && _invocations.TryGetValue(log.InvocationId, out var owner) ? owner.Function : null);
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                _initResponse.TrySetResult(message.WorkerInitResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                _metadataResponse.TrySetResult(message.FunctionMetadataResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                if (_loads.TryRemove(message.FunctionLoadResponse.FunctionId, out var load))
                {
                    load.TrySetResult(message.FunctionLoadResponse);
                }

                break;
            case StreamingMessage.ContentOneofCase.WorkerStatusResponse:
                if (_statusRequests.TryRemove(message.RequestId, out var status))
                {
                    status.TrySetResult();
                }

                break;
            default:
                LogUnhandledMessage(_logger, WorkerId, message.ContentCase.ToString());
                break;
        }
    }

    private WorkerUnavailableException Unavailable(Exception? reason) => reason switch
    {
        WorkerUnavailableException unavailable => unavailable,
        null => new WorkerUnavailableException($"Worker {WorkerId} is not available."),
        _ => new WorkerUnavailableException($"Worker {WorkerId} is not available: {reason.Message}", reason),
    };

    private static FunctionDescriptor ToDescriptor(RpcFunctionMetadata function)
    {
        var bindings = new List<FunctionBinding>(function.RawBindings.Count);
        foreach (var raw in function.RawBindings)
        {
            using var document = JsonDocument.Parse(raw);
            var element = document.RootElement.Clone();
            var binding = new FunctionBinding(
                GetString(element, "name") ?? string.Empty,
                GetString(element, "type") ?? string.Empty,
                ParseDirection(GetString(element, "direction")),
                element);
            bindings.Add(binding);
        }

        return new FunctionDescriptor(function.Name, function.FunctionId, function.EntryPoint, bindings);
    }

    private static string? GetString(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }
        }

        return null;
    }

    private static BindingDirection ParseDirection(string? direction) => direction?.ToUpperInvariant() switch
    {
        "OUT" => BindingDirection.Out,
        "INOUT" => BindingDirection.InOut,
        _ => BindingDirection.In,
    };

    private static string Describe(StatusResult result) =>
        result.Exception is { } exception ? $"{exception.Type} {exception.Message}".Trim() : (string.IsNullOrEmpty(result.Result) ? result.Status.ToString() : result.Result);

    private static string NewRequestId() => Guid.NewGuid().ToString();

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "The worker could not index function {FunctionName}: {Reason}")]
    private static partial void LogFunctionIndexFailed(ILogger logger, string functionName, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "The worker could not load function {FunctionName}: {Reason}")]
    private static partial void LogFunctionLoadFailed(ILogger logger, string functionName, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Response for invocation {InvocationId}, which is no longer waited for (cancelled or timed out).")]
    private static partial void LogResponseWithoutInvocation(ILogger logger, string invocationId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Worker {WorkerId} sent a {MessageType} message the host does not handle.")]
    private static partial void LogUnhandledMessage(ILogger logger, string workerId, string messageType);
}
