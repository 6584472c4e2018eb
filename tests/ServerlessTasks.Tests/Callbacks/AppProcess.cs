using System.Globalization;
using ServerlessTasks.Testing;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The real app as a child process (<c>dotnet ServerlessTasks.dll</c> from this test's output folder, where the
/// project reference puts it with its runtimeconfig, deps and host.json) on a loopback port, its SQLite stores in
/// one folder (also its working directory, so its content root: nothing lands in the build output), with
/// <see cref="CallbackAppHost.Secret"/> and short webhook settings.
/// </summary>
public static class AppProcess
{
    /// <summary>The app's entry assembly, next to this test assembly.</summary>
    public static string AssemblyPath => typeof(LocalProgram).Assembly.Location;

    /// <summary>Starts the app on the stores in <paramref name="folder"/> and waits (bounded) until it answers HTTP.</summary>
    public static Task<ChildProcess> StartAsync(string folder, params string[] extra)
    {
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(AssemblyPath)!, "host.json")), "host.json is not next to the app.");
        var port = ChildProcess.FreePort();
        // The working directory is the content root: relative store paths (none here) would land in the folder;
        // host.json is found next to the app (AppContext.BaseDirectory) when the content root has none.
        var start = ChildProcess.DotnetStart(AssemblyPath, folder);
        foreach (var argument in (string[])
        [
            "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", "sqlite",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:path", Path.Combine(folder, "d.db"),
            "--TaskIndex:Provider", "sqlite",
            "--TaskIndex:Path", Path.Combine(folder, "t.db"),
            "--Webhooks:StorePath", Path.Combine(folder, "c.db"),
            "--Webhooks:Secrets", CallbackAppHost.Secret,
            "--Webhooks:MaxAttempts", "3",
            "--Webhooks:InitialDelaySeconds", "1",
            "--Webhooks:MaxDelaySeconds", "2",
            "--Webhooks:TimeoutSeconds", "15",
            .. extra,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        // Development: loopback callback targets are allowed, and with no function keys configured /api is open.
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        return ChildProcess.StartAsync(start, port, "/runtime/webhooks/durabletask/instances?top=1", TimeSpan.FromSeconds(30));
    }
}
