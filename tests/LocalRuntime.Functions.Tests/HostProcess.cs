using System.Globalization;
using System.Reflection;
using ServerlessTasks.Testing;

namespace LocalRuntime.Functions.Tests;

/// <summary>
/// The crash-test host (tests/LocalRuntime.TestHost) as a child process on a loopback port: started with
/// <c>dotnet LocalRuntime.TestHost.dll</c>, killed with SIGKILL by its own process id.
/// </summary>
public static class HostProcess
{
    public static string AssemblyPath =>
        typeof(HostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TestHostPath").Value!;

    public static Task<ChildProcess> StartAsync(string database, string activityLog, int activityDelayMs)
    {
        var port = ChildProcess.FreePort();
        var start = ChildProcess.DotnetStart(AssemblyPath, Path.GetDirectoryName(AssemblyPath)!);
        foreach (var argument in (string[])["--db", database, "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TESTHOST_ACTIVITY_LOG"] = activityLog;
        start.Environment["TESTHOST_ACTIVITY_DELAY_MS"] = activityDelayMs.ToString(CultureInfo.InvariantCulture);
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        return ChildProcess.StartAsync(start, port, "/runtime/webhooks/durabletask/instances?top=1", TimeSpan.FromSeconds(30));
    }
}
