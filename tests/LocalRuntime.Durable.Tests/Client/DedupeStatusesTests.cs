using DurableTask.Core;
using LocalRuntime.Durable.Client;
using Moq;

namespace LocalRuntime.Durable.Tests.Client;

/// <summary>How a start's reuse policy becomes DTFx dedupe statuses, exactly as Durable's listener derives them.</summary>
public sealed class DedupeStatusesTests
{
    private static DurableClientService Create(bool nonRunningOnly = false)
    {
        var service = new Mock<IOrchestrationService>();
        service.As<IOrchestrationServiceClient>();
        return new DurableClientService(service.Object, new DurableClientOptions { TaskHubName = "hub", OverrideOnlyNonRunningInstances = nonRunningOnly });
    }

    [Fact]
    public void DedupeStatuses_NoPolicy_ReplacesAnything()
    {
        Assert.Empty(Create().DedupeStatuses(replaceable: null));
    }

    [Fact]
    public void DedupeStatuses_PolicyFromClientDedupingRunningAndPending_KeepsThoseAndContinuedAsNew()
    {
        // What GrpcDurableTaskClient sends for WithDedupeStatuses(Running, Pending): every status it knows but those two.
        OrchestrationStatus[] replaceable = [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled, OrchestrationStatus.Suspended];

        var dedupe = Create().DedupeStatuses(replaceable);

        Assert.Equal([OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Pending], dedupe);
    }

    [Fact]
    public void DedupeStatuses_EmptyPolicy_KeepsEveryStatus()
    {
        Assert.Equal(Enum.GetValues<OrchestrationStatus>(), Create().DedupeStatuses([]));
    }

    [Fact]
    public void DedupeStatuses_NonRunningStatesOption_AddsRunningStatesToAnyPolicy()
    {
        var dedupe = Create(nonRunningOnly: true).DedupeStatuses(replaceable: null);

        Assert.Equal([OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Pending, OrchestrationStatus.Suspended], dedupe);
    }

    [Fact]
    public void Constructor_ServiceWithoutClientInterface_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new DurableClientService(Mock.Of<IOrchestrationService>(), new DurableClientOptions { TaskHubName = "hub" }));

        Assert.Contains(nameof(IOrchestrationServiceClient), error.Message, StringComparison.Ordinal);
    }
}
