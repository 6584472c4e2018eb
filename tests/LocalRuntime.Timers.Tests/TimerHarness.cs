using System.Collections.Concurrent;
using System.Text.Json;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace LocalRuntime.Timers.Tests;

/// <summary>The timer extension over a Moq <see cref="IFunctionsHost"/>, a fake clock and a status folder of its own.</summary>
internal sealed class TimerHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ConcurrentQueue<JsonElement> _ticks = new();

    private TimerHarness(FakeTimeProvider clock, TestFolder folder, bool ownsFolder)
    {
        Clock = clock;
        Folder = folder;
        OwnsFolder = ownsFolder;
    }

    public FakeTimeProvider Clock { get; }

    public TestFolder Folder { get; }

    public bool OwnsFolder { get; }

    public TimersExtension Extension { get; private set; } = null!;

    public Mock<IFunctionsHost> Host { get; } = new(MockBehavior.Strict);

    /// <summary>Decides each invocation's outcome (success at once by default).</summary>
    public Func<CancellationToken, Task<InvocationResponse>> Respond { get; set; } = _ => Task.FromResult(Success());

    /// <summary>The TimerInfo JSON of every invocation, in order.</summary>
    public IReadOnlyList<JsonElement> Ticks => [.. _ticks];

    public static InvocationResponse Success() => new() { Result = new StatusResult { Status = StatusResult.Types.Status.Success } };

    public static FunctionDescriptor TimerFunction(string name, string schedule, bool? runOnStartup = null, bool? useMonitor = null)
    {
        var binding = new Dictionary<string, object> { ["name"] = "timer", ["type"] = "timerTrigger", ["direction"] = "In", ["schedule"] = schedule };
        if (runOnStartup is { } r)
        {
            binding["runOnStartup"] = r;
        }

        if (useMonitor is { } u)
        {
            binding["useMonitor"] = u;
        }

        return new FunctionDescriptor(name, name + "-id", "Tests." + name, [new FunctionBinding("timer", "timerTrigger", BindingDirection.In, JsonSerializer.SerializeToElement(binding))]);
    }

    public static async Task<TimerHarness> StartAsync(
        FunctionDescriptor[] functions, Dictionary<string, string?>? settings = null, FakeTimeProvider? clock = null, TestFolder? folder = null)
    {
        var harness = new TimerHarness(clock ?? new FakeTimeProvider(Start), folder ?? new TestFolder(), folder is null);
        harness.Host.SetupGet(h => h.Functions).Returns(functions);
        harness.Host
            .Setup(h => h.InvokeAsync(It.IsAny<FunctionDescriptor>(), It.IsAny<TypedData>(), It.IsAny<IReadOnlyDictionary<string, TypedData>?>(), It.IsAny<CancellationToken>()))
            .Returns<FunctionDescriptor, TypedData, IReadOnlyDictionary<string, TypedData>?, CancellationToken>((_, trigger, _, cancellation) =>
            {
                Assert.Equal(TypedData.DataOneofCase.Json, trigger.DataCase);
                harness._ticks.Enqueue(JsonDocument.Parse(trigger.Json).RootElement.Clone());
                return harness.Respond(cancellation);
            });
        var options = new TimersOptions { DataPath = harness.Folder.Path };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        harness.Extension = new TimersExtension(Options.Create(options), new FileScheduleMonitor(options.StatusFolder), configuration, harness.Clock, NullLoggerFactory.Instance);
        await harness.Extension.StartAsync(harness.Host.Object, CancellationToken.None);
        return harness;
    }

    /// <summary>Waits until the timer of <paramref name="function"/> is armed for <paramref name="at"/>.</summary>
    public Task ArmedAsync(string function, DateTimeOffset at) =>
        Eventually.TrueAsync(() => Extension.GetState(function)?.ArmedFor == at, $"{function} was not armed for {at:O} (state {Extension.GetState(function)})");

    public async ValueTask DisposeAsync()
    {
        await Extension.StopAsync(CancellationToken.None);
        if (OwnsFolder)
        {
            Folder.Dispose();
        }
    }
}
