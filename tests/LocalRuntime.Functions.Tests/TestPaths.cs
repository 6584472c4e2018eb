using System.Reflection;

namespace LocalRuntime.Functions.Tests;

/// <summary>Build outputs the tests run, from MSBuild-generated assembly metadata (the projects are built before the tests).</summary>
internal static class TestPaths
{
    public static string HostTestApp => Metadata("HostTestAppDirectory");

    public static string HostExecutable => Metadata("HostExecutable");

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"No {key} metadata.");
}
