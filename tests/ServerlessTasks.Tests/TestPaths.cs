using System.Reflection;

namespace ServerlessTasks.Tests;

/// <summary>Build outputs the tests run, recorded by the test project at build time.</summary>
internal static class TestPaths
{
    /// <summary>The app's build output folder (functions.metadata, worker.config.json, ServerlessTasks.dll).</summary>
    public static string App => Metadata("AppDirectory");

    /// <summary>The local host's program (<c>dotnet LocalRuntime.Host.dll &lt;app folder&gt; --port N</c>).</summary>
    public static string HostExecutable => Metadata("HostExecutable");

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException($"No {key} recorded.");
}
