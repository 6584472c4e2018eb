using System.Reflection;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>Build outputs the end-to-end tests run (recorded by the test project at build time).</summary>
internal static class TestPaths
{
    public static string DurableTestApp => Metadata("DurableTestAppDirectory");

    public static string HostExecutable => Metadata("HostExecutable");

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException($"No {key} recorded.");
}
