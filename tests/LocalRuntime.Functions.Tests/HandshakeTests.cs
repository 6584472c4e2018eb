using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Worker;

namespace LocalRuntime.Functions.Tests;

/// <summary>The worker's launch and the start-up handshake: arguments, environment, indexed metadata, liveness probe.</summary>
public sealed class HandshakeTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private TestHost App => fixture.App;

    [Fact]
    public void Functions_WorkerIndexing_DescribesEveryFunctionWithItsBindings()
    {
        var names = App.Host.Functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

        // The queue and timer functions of the same app (QueueFunctions.cs, TimerFunctions.cs) come on top of these.
        string[] expected = ["AdminOnly", "ClientName", "Echo", "EchoActivity", "FailingActivity", "Guarded", "Hello", "Inspect", "Json", "Large", "Logs", "Ping", "Product", "Quiet", "Slow", "SlowActivity", "Status", "Throws", "Upload"];
        Assert.All(expected, e => Assert.Contains(e, names));
        var product = App.Host.GetFunction("Product");
        Assert.False(string.IsNullOrEmpty(product.FunctionId));
        Assert.Equal("HostTestApp.HttpFunctions.Product", product.EntryPoint);
        Assert.Equal("httpTrigger", product.Trigger.Type);
        Assert.Equal("req", product.Trigger.Name);
        Assert.Equal(BindingDirection.In, product.Trigger.Direction);
        Assert.Equal("products/{category:alpha}/{id:int?}", product.Trigger.GetString("route"));
        var http = Assert.Single(product.Bindings, b => b.Type == "http");
        Assert.Equal(BindingDirection.Out, http.Direction);
        var activity = App.Host.GetFunction("EchoActivity");
        Assert.Equal("activityTrigger", Assert.Single(activity.Bindings).Type);
        var client = App.Host.GetFunction("ClientName");
        Assert.Equal(BindingDirection.In, Assert.Single(client.Bindings, b => b.Type == "durableClient").Direction);
    }

    [Fact]
    public void CommandLine_WorkerStart_CarriesTheProtocolArgumentsAndRunsUnderSetpriv()
    {
        var commandLine = App.Host.Worker.CommandLine;

        Assert.Equal(ProcessSpawner.SetprivPath, commandLine[0]);
        Assert.Equal(["--pdeathsig", "KILL", "--"], commandLine.Skip(1).Take(3).ToArray());
        Assert.Equal(Path.Combine(App.Host.App.Path, "HostTestApp.dll"), commandLine[5]);
        var uri = Value("--functions-uri");
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", uri);
        Assert.Equal(new Uri(uri).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Value("--port"));
        Assert.Equal("127.0.0.1", Value("--host"));
        Assert.Equal(App.Host.Worker.WorkerId, Value("--functions-worker-id"));
        Assert.Equal(App.Host.Worker.WorkerId, Value("--workerId"));
        Assert.Equal(Value("--requestId"), Value("--functions-request-id"));
        Assert.Equal("2147483647", Value("--functions-grpc-max-message-length"));
        Assert.Equal("2147483647", Value("--grpcMaxMessageLength"));

        string Value(string name)
        {
            var index = commandLine.ToList().IndexOf(name);
            Assert.True(index > 0 && index + 1 < commandLine.Count, $"{name} missing from: {string.Join(' ', commandLine)}");
            return commandLine[index + 1];
        }
    }

    [Fact]
    public void Worker_AfterStart_IsReadyWithItsHttpUriOnLoopback()
    {
        Assert.True(App.Host.Worker.IsReady);
        Assert.Equal(1, App.Host.Worker.StartCount);
        Assert.True(ProcessState.IsRunning(App.Host.Worker.ProcessId));
        Assert.Equal("127.0.0.1", App.Host.Worker.HttpUri!.Host);
    }

    [Fact]
    public async Task ProbeAsync_WorkerStatusRequest_IsAnsweredQuickly()
    {
        var latency = await App.Host.Worker.ProbeAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

        Assert.InRange(latency, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WorkerEnvironment_LocalSettingsValues_ReachTheWorker()
    {
        var text = await App.Http.GetStringAsync("api/Hello?name=bob");

        Assert.Equal("Hello, bob", text);
        Assert.Equal("Hello", App.Host.Configuration["HostTestApp:Greeting"]);
    }

    [Fact]
    public async Task Logs_StartUp_NameTheWorkerProcessAndItsFunctionCount()
    {
        var ready = await App.Logs.WaitForAsync(l => l.Category == "LocalRuntime.Functions.Worker" && l.Message.Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        Assert.Contains($"pid {App.Host.Worker.ProcessId}", ready.Message, StringComparison.Ordinal);
        Assert.Contains($"{App.Host.Functions.Count} functions loaded", ready.Message, StringComparison.Ordinal);
    }
}
