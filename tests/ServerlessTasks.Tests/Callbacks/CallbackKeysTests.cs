using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>Delivery ids: distinct for distinct deliveries whatever the ids contain, and older records still found.</summary>
public sealed class CallbackKeysTests
{
    [Fact]
    public void Ids_OfDifferentDeliveries_NeverCollide()
    {
        string[] ids = ["x", "x:task:t", "t", "a:b", "a%3Ab", "task:x", "completed", "task_completed"];
        var keys = new List<string>();
        foreach (var workflow in ids)
        {
            keys.Add(CallbackKeys.Completion(workflow));
            foreach (var task in ids)
            {
                keys.Add(CallbackKeys.TaskEvent(workflow, "task_completed", task));
                keys.Add(CallbackKeys.OwnTaskEvent(workflow, task, "completed"));
            }
        }

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task CompletionState_RecordedUnderTheOlderUnescapedId_IsStillFound()
    {
        var store = new InMemoryCallbackStore();
        await store.AddAsync(new CallbackRecord
        {
            DeliveryId = "callback:task:old-1:completed", // as written before ids were escaped
            WorkflowId = "task:old-1",
            Event = "completed",
            Url = "https://example.com/hook",
            WebhookId = "msg_old",
            Status = CallbackDeliveryStatus.Delivered,
            Request = "{}",
        });

        var state = await CallbackStateView.ForAsync(store, "task:old-1", new CallbackSpec("https://example.com/hook"), CancellationToken.None);

        Assert.Equal(CallbackDeliveryStatus.Delivered, state!.Status);
        Assert.Equal("msg_old", state.WebhookId);
    }

    [Fact]
    public void FanOutInstanceId_DependsOnTheWholeBatch()
    {
        CallbackNotice Notice(string task) => new("wf", task, "task_completed", "https://example.com/hook", null, "completed", null, null, null, DateTimeOffset.UnixEpoch);

        var first = Activities.Callbacks.CallbackDeliveries.FanOutInstanceId([Notice("a"), Notice("b")]);

        Assert.Equal(first, Activities.Callbacks.CallbackDeliveries.FanOutInstanceId([Notice("a"), Notice("b")]));
        Assert.NotEqual(first, Activities.Callbacks.CallbackDeliveries.FanOutInstanceId([Notice("a"), Notice("c")]));
    }
}
