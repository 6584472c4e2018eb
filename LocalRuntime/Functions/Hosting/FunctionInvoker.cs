using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Grpc;
using LocalRuntime.Functions.Rpc;
using LocalRuntime.Functions.Telemetry;
using LocalRuntime.Functions.Worker;

namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// Builds and sends invocations: the trigger value, every other input binding from the extension that owns its type,
/// after a successful response, the output bindings through the extension that owns
/// each type. HTTP triggers and <see cref="IFunctionsHost.InvokeAsync"/> both go through here.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly WorkerSupervisor _supervisor;
    private readonly Dictionary<string, IHostExtension> _inputs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IHostExtension> _outputs = new(StringComparer.OrdinalIgnoreCase);

    public FunctionInvoker(WorkerSupervisor supervisor, IEnumerable<IHostExtension> extensions)
    {
        _supervisor = supervisor;
        foreach (var extension in extensions)
        {
            foreach (var type in extension.InputBindingTypes)
            {
                _inputs[type] = extension;
            }

            foreach (var type in extension.OutputBindingTypes)
            {
                _outputs[type] = extension;
            }
        }
    }

    /// <summary>Whether an extension supplies this (non-trigger) input binding type.</summary>
    public bool SuppliesInput(string bindingType) => _inputs.ContainsKey(bindingType);

    /// <summary>Whether an extension writes this output binding type.</summary>
    public bool WritesOutput(string bindingType) => _outputs.ContainsKey(bindingType);

    public async Task<InvocationResponse> InvokeAsync(
        FunctionDescriptor function, TypedData triggerValue, IReadOnlyDictionary<string, TypedData>? triggerMetadata, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(triggerValue);
        var worker = await _supervisor.GetReadyAsync(cancellation).ConfigureAwait(false);
        var loaded = Resolve(worker, function);
        var context = new InvocationContext(function, NewInvocationId(), HttpContext: null);

        // The host's span of this invocation is current while the request is built, so its trace context is this span's.
        using var span = HostTelemetry.StartInvocation(function, context.InvocationId);
        var request = CreateRequest(loaded, context, triggerValue, triggerMetadata);
        var response = await SendAsync(worker, loaded, request, cancellation).ConfigureAwait(false);
        MarkFailed(span, response);
        await WriteOutputsAsync(response, context, cancellation).ConfigureAwait(false);
        return response;
    }

    /// <summary>The function as <paramref name="worker"/> loaded it (ids may differ between worker processes; names do not).</summary>
    public static LoadedFunction Resolve(WorkerInstance worker, FunctionDescriptor function) =>
        worker.Channel.Functions.TryGetValue(function.Name, out var loaded)
            ? loaded
            : throw new InvalidOperationException($"The worker (pid {worker.Process.ProcessId}) has no function '{function.Name}'.");

    public static string NewInvocationId() => Guid.NewGuid().ToString();

    /// <summary>The invocation request: trigger input, the extensions' input bindings, trigger metadata.</summary>
    public InvocationRequest CreateRequest(LoadedFunction function, InvocationContext context, TypedData triggerValue, IReadOnlyDictionary<string, TypedData>? triggerMetadata)
    {
        // The worker reads the trace context unconditionally (the Functions host always sends one).
        var request = new InvocationRequest
        {
            InvocationId = context.InvocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = System.Diagnostics.Activity.Current?.Id ?? string.Empty, TraceState = System.Diagnostics.Activity.Current?.TraceStateString ?? string.Empty },
        };
        foreach (var binding in function.Descriptor.Bindings)
        {
            if (binding.Direction == BindingDirection.Out)
            {
                continue;
            }

            if (binding.IsTrigger)
            {
                request.InputData.Add(new ParameterBinding { Name = binding.Name, Data = triggerValue });
            }
            else if (_inputs.TryGetValue(binding.Type, out var extension))
            {
                request.InputData.Add(new ParameterBinding { Name = binding.Name, Data = extension.BindInput(binding, context) });
            }
        }

        if (triggerMetadata is not null)
        {
            foreach (var (name, value) in triggerMetadata)
            {
                request.TriggerMetadata[name] = value;
            }
        }

        return request;
    }

    /// <summary>Sends <paramref name="request"/> and waits for the response (the channel enforces <c>functionTimeout</c>).</summary>
    /// <exception cref="FunctionTimeoutException">Past <c>functionTimeout</c>; the worker is being recycled.</exception>
    public static async Task<InvocationResponse> SendAsync(WorkerInstance worker, LoadedFunction function, InvocationRequest request, CancellationToken cancellation)
    {
        var timer = HostTelemetry.TimeInvocation(function.Descriptor);
        var outcome = "unavailable";
        try
        {
            var response = await worker.Channel.InvokeAsync(function, request, cancellation).ConfigureAwait(false);
            outcome = response.Result?.Status == StatusResult.Types.Status.Success ? "success" : "failure";
            return response;
        }
        catch (FunctionTimeoutException)
        {
            outcome = "timeout";
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            timer.Stop(outcome);
        }
    }

    /// <summary>Marks the host's invocation span failed when the worker reported a failure (its message, never the stack).</summary>
    public static void MarkFailed(System.Diagnostics.Activity? span, InvocationResponse response)
    {
        if (span is not null && response.Result?.Status != StatusResult.Types.Status.Success)
        {
            span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, response.Result?.Exception?.Message ?? "The function failed.");
        }
    }

    /// <summary>Writes the output bindings an extension owns, after a successful response (<c>$return</c> from the return value).</summary>
    public async Task WriteOutputsAsync(InvocationResponse response, InvocationContext context, CancellationToken cancellation)
    {
        if (_outputs.Count == 0 || response.Result?.Status != StatusResult.Types.Status.Success)
        {
            return;
        }

        foreach (var binding in context.Function.Bindings)
        {
            if (binding.Direction == BindingDirection.In || !_outputs.TryGetValue(binding.Type, out var extension))
            {
                continue;
            }

            var value = string.Equals(binding.Name, "$return", StringComparison.Ordinal)
                ? response.ReturnValue
                : response.OutputData.FirstOrDefault(o => string.Equals(o.Name, binding.Name, StringComparison.Ordinal))?.Data;
            if (value is null || value.DataCase == TypedData.DataOneofCase.None)
            {
                continue;
            }

            await extension.WriteOutputAsync(binding, value, context, cancellation).ConfigureAwait(false);
        }
    }

}
