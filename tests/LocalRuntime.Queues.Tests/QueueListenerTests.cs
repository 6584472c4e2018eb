using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Queues.Tests;

/// <summary>The listener's trigger semantics on the embedded queue and a fake clock, against a fake host.</summary>
public sealed class QueueListenerTests
{
    private static readonly FunctionDescriptor Orders = FakeFunctionsHost.QueueFunction("ProcessOrder", "orders");

    [Fact]
    public async Task Message_Sent_InvokedOnceWithTextAndMetadata_ThenDeleted_WithoutTheClockMoving()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions(), Orders);

        var sent = await h.Store.SendAsync("orders", BinaryData.FromString("""{"id":"o1"}"""));

        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders") == 0, "the message was not processed and deleted");
        var call = Assert.Single(h.Host.Invocations);
        Assert.Equal(("ProcessOrder", TypedData.DataOneofCase.String, """{"id":"o1"}"""), (call.Function, call.Trigger.DataCase, call.Trigger.String));
        Assert.Equal(sent.Id, call.Metadata["Id"].String);
        Assert.Equal("""{"id":"o1"}""", call.Metadata["QueueTrigger"].String);
        Assert.Equal("1", call.Metadata["DequeueCount"].Json);
        Assert.Equal("\"2030-01-01T00:00:00+00:00\"", call.Metadata["InsertionTime"].Json);
        Assert.Equal("\"2030-01-08T00:00:00+00:00\"", call.Metadata["ExpirationTime"].Json);
        Assert.Equal("\"2030-01-01T00:10:00+00:00\"", call.Metadata["NextVisibleTime"].Json);
        Assert.False(string.IsNullOrEmpty(call.Metadata["PopReceipt"].String));
        Assert.Equal(7, call.Metadata.Count);
    }

    [Fact]
    public async Task BinaryBinding_TriggerIsTheBytes()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions(), FakeFunctionsHost.QueueFunction("Bin", "blobs-in", dataType: "Binary"));

        await h.Store.SendAsync("blobs-in", BinaryData.FromBytes([1, 2, 255]));

        await Eventually.TrueAsync(() => h.Host.Invocations.Count == 1, "not invoked");
        Assert.Equal(new byte[] { 1, 2, 255 }, h.Host.Invocations[0].Trigger.Bytes.ToByteArray());
    }

    [Fact]
    public async Task Failure_VisibleAgainOnlyAfterVisibilityTimeout_SecondDeliveryCountsTwo()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) }, Orders);
        h.Host.Respond = (call, _) => Task.FromResult(call.DequeueCount == 1 ? FakeFunctionsHost.Failure() : FakeFunctionsHost.Success());

        await h.Store.SendAsync("orders", BinaryData.FromString("v1"));

        await Eventually.TrueAsync(async () => (await h.Sqlite.PeekAllAsync("orders")) is [{ NextVisibleOn: var at }] && at == QueueHarness.Start.AddSeconds(30), "the failed message was not released for 30 s");
        h.FakeClock.Advance(TimeSpan.FromSeconds(29));
        Assert.Single(h.Host.Invocations);
        h.FakeClock.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders") == 0, "the message was not redelivered after the timeout");
        Assert.Equal([1L, 2L], h.Host.Invocations.Select(i => i.DequeueCount));
    }

    [Fact]
    public async Task AlwaysFailing_AfterMaxDequeueCount_CopiedToPoisonAfterExactlyThatManyAttempts()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions { MaxDequeueCount = 3 }, Orders);
        h.Host.Respond = (call, _) => Task.FromResult(call.Text == "poison-pill" ? FakeFunctionsHost.Failure() : FakeFunctionsHost.Success());

        var pill = await h.Store.SendAsync("orders", BinaryData.FromString("poison-pill"));
        await h.Store.SendAsync("orders", BinaryData.FromString("fine"));

        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders-poison") == 1 && await h.Store.GetCountAsync("orders") == 0, "the pill never reached the poison queue");
        var poisoned = Assert.Single(await h.Sqlite.PeekAllAsync("orders-poison"));
        Assert.Equal(("poison-pill", 0L), (poisoned.Text, poisoned.DequeueCount));
        Assert.NotEqual(pill.Id, poisoned.Id);
        Assert.Equal([1L, 2L, 3L], h.Host.Invocations.Where(i => i.Text == "poison-pill").Select(i => i.DequeueCount));
        Assert.Single(h.Host.Invocations, i => i.Text == "fine");
    }

    [Fact]
    public async Task WorkerUnavailable_CountsAsAFailure_RetriedAfterVisibilityTimeout()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions { VisibilityTimeout = TimeSpan.FromSeconds(5) }, Orders);
        h.Host.Respond = (call, _) => call.DequeueCount == 1 ? throw new WorkerUnavailableException("worker exited") : Task.FromResult(FakeFunctionsHost.Success());

        await h.Store.SendAsync("orders", BinaryData.FromString("w"));

        await Eventually.TrueAsync(async () => (await h.Sqlite.PeekAllAsync("orders")) is [{ NextVisibleOn: var at }] && at == QueueHarness.Start.AddSeconds(5), "not released after the worker loss");
        h.FakeClock.Advance(TimeSpan.FromSeconds(5));

        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders") == 0, "not redelivered");
        Assert.Equal(2, h.Host.Invocations.Count);
    }

    [Fact]
    public async Task DeliveredMoreThanMaxDequeueCountAlready_MovedToPoisonWithoutRunning()
    {
        var options = new QueuesOptions { MaxDequeueCount = 2 };
        await using var h = await QueueHarness.StartAsync(options);
        var message = await h.Store.SendAsync("orders", BinaryData.FromString("crashed-the-host"));
        for (var i = 0; i < 2; i++)
        {
            // Two deliveries that never settled (the host died each time).
            Assert.Single(await h.Store.ReceiveAsync("orders", 1, TimeSpan.FromSeconds(1)));
            h.FakeClock.Advance(TimeSpan.FromSeconds(1));
        }

        await h.Extension.StartAsync(new FakeFunctionsHost(Orders), CancellationToken.None);

        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders-poison") == 1 && await h.Store.GetCountAsync("orders") == 0, "not poisoned");
        Assert.Equal("crashed-the-host", Assert.Single(await h.Sqlite.PeekAllAsync("orders-poison")).Text);
        Assert.NotEqual(message.Id, (await h.Sqlite.PeekAllAsync("orders-poison"))[0].Id);
    }

    [Fact]
    public async Task PoisonQueueTrigger_Failure_StaysHiddenForTheLease_NoFastLoop()
    {
        await using var h = await QueueHarness.StartAsync(new QueuesOptions(), FakeFunctionsHost.QueueFunction("Dead", "orders-poison"));
        h.Host.Respond = (_, _) => Task.FromResult(FakeFunctionsHost.Failure());

        await h.Store.SendAsync("orders-poison", BinaryData.FromString("x"));

        await Eventually.TrueAsync(() => h.Host.Invocations.Count == 1 && h.Host.Running == 0, "not invoked");
        var left = Assert.Single(await h.Sqlite.PeekAllAsync("orders-poison"));
        Assert.Equal(QueueHarness.Start + QueueListenerLimits.Lease, left.NextVisibleOn);
        Assert.Equal(0, await h.Store.GetCountAsync("orders-poison-poison"));
    }

    [Fact]
    public async Task Batches_AtMostBatchSizePlusNewBatchThresholdRunAtOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = QueueHarness.Create(new QueuesOptions { BatchSize = 4, NewBatchThreshold = 2 }, null, null, [], Orders);
        h.Host.Respond = async (call, cancellation) =>
        {
            if (call.Text is not ("0" or "1"))
            {
                await gate.Task.WaitAsync(cancellation);
            }

            return FakeFunctionsHost.Success();
        };
        for (var i = 0; i < 20; i++)
        {
            await h.Store.SendAsync("orders", BinaryData.FromString(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        await h.ListenAsync();

        // First batch 0-3 (0 and 1 finish), leaving 2 in flight = the threshold: the next batch of 4 comes, 6 in flight, then it waits.
        await Eventually.TrueAsync(() => h.Host.Invocations.Count == 8 && h.Host.Running == 6, $"the second batch did not come ({h.Host.Invocations.Count} invoked, {h.Host.Running} running)");
        Assert.Equal(6, h.Host.MaxConcurrent);
        gate.SetResult();
        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders") == 0, "not all processed");
        Assert.Equal(20, h.Host.Invocations.Count);
        Assert.Equal(6, h.Host.MaxConcurrent);
    }

    [Fact]
    public async Task LongRun_LeaseRenewedAtHalfTime_NotRedeliveredWhileRunning()
    {
        var gate = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await QueueHarness.StartAsync(new QueuesOptions(), Orders);
        h.Host.Respond = (_, cancellation) => gate.Task.WaitAsync(cancellation);
        await h.Store.SendAsync("orders", BinaryData.FromString("slow"));
        await Eventually.TrueAsync(() => h.Host.Running == 1, "not started");

        for (var minute = 1; minute <= 12; minute++)
        {
            h.FakeClock.Advance(TimeSpan.FromMinutes(1));
            if (minute % 5 == 0)
            {
                var expected = QueueHarness.Start.AddMinutes(minute) + QueueListenerLimits.Lease;
                await Eventually.TrueAsync(async () => (await h.Sqlite.PeekAllAsync("orders"))[0].NextVisibleOn == expected, $"not renewed at minute {minute}");
            }
        }

        Assert.Single(h.Host.Invocations);
        gate.SetResult(FakeFunctionsHost.Success());
        await Eventually.TrueAsync(async () => await h.Store.GetCountAsync("orders") == 0, "the renewed delivery could not be deleted");
    }

    [Fact]
    public async Task QueueNameFromSetting_ResolvedAndLowerCased_InvalidNameLeavesOnlyThatFunctionStopped()
    {
        var settings = new Dictionary<string, string?> { ["OrdersQueue"] = "Orders-From-Setting", ["BadQueue"] = "not_valid" };
        await using var h = await QueueHarness.StartAsync(
            new QueuesOptions(), null, null, settings,
            FakeFunctionsHost.QueueFunction("Good", "%OrdersQueue%"),
            FakeFunctionsHost.QueueFunction("Bad", "%BadQueue%"),
            FakeFunctionsHost.QueueFunction("Missing", "%NoSuchSetting%"));

        Assert.Equal([("Good", "orders-from-setting")], h.Extension.Listeners);
        await h.Store.SendAsync("orders-from-setting", BinaryData.FromString("x"));
        await Eventually.TrueAsync(() => h.Host.Invocations.Count == 1, "not invoked");
    }

    [Fact]
    public async Task Stop_LetsRunningInvocationFinishAndSettle()
    {
        var gate = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = await QueueHarness.StartAsync(new QueuesOptions(), Orders);
        await using (h)
        {
            h.Host.Respond = (_, cancellation) => gate.Task.WaitAsync(cancellation);
            await h.Store.SendAsync("orders", BinaryData.FromString("draining"));
            await Eventually.TrueAsync(() => h.Host.Running == 1, "not started");

            var stop = h.Extension.StopAsync(CancellationToken.None);
            Assert.False(stop.IsCompleted);
            gate.SetResult(FakeFunctionsHost.Success());
            await stop.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(0, await h.Store.GetCountAsync("orders"));
        }
    }
}
