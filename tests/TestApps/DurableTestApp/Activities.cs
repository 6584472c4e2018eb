using System.Globalization;
using Microsoft.Azure.Functions.Worker;

namespace DurableTestApp;

/// <summary>Activities of the test app.</summary>
public static class Activities
{
    /// <summary>Greets.</summary>
    [Function(nameof(Say))]
    public static string Say([ActivityTrigger] string name) => $"Hello {name}";

    /// <summary>Logs its execution (see <see cref="ActivityLog"/>), optionally takes a little time, returns index squared.</summary>
    [Function(nameof(Work))]
    public static async Task<long> Work([ActivityTrigger] WorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ActivityLog.Append(item.InstanceId, item.Index.ToString(CultureInfo.InvariantCulture));
        if (ActivityLog.DelayMilliseconds > 0)
        {
            await Task.Delay(ActivityLog.DelayMilliseconds);
        }

        return (long)item.Index * item.Index;
    }

    /// <summary>Always throws; logs each attempt.</summary>
    [Function(nameof(Fail))]
    public static void Fail([ActivityTrigger] string instanceId)
    {
        ActivityLog.Append(instanceId, "fail");
        throw new ArgumentOutOfRangeException(nameof(instanceId), "the activity always fails");
    }
}
