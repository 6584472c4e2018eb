using LocalRuntime.Functions.Hosting;

namespace ServerlessTasks.Tests;

/// <summary>Creates the tests' host builders, each in the environment its fixture asks for.</summary>
internal static class HostBuilders
{
    private const string EnvironmentVariable = "AZURE_FUNCTIONS_ENVIRONMENT";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// A builder for the app in <paramref name="environment"/> (the host's environment, which it passes to the worker as
    /// <c>AZURE_FUNCTIONS_ENVIRONMENT</c>). The host reads it from that process variable while the builder is created;
    /// setting <c>builder.Environment.EnvironmentName</c> afterwards changes ASP.NET Core's web environment only, not the
    /// <c>IHostEnvironment</c> the worker's environment comes from. So the variable is set for that moment only, one
    /// builder at a time, and put back.
    /// </summary>
    public static async Task<LocalFunctionsHostBuilder> CreateAsync(string environment, string[] args)
    {
        await Gate.WaitAsync();
        var previous = Environment.GetEnvironmentVariable(EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(EnvironmentVariable, environment);
            var builder = LocalFunctionsHost.CreateBuilder(TestPaths.App, args);
            Assert.Equal(environment, builder.Environment.EnvironmentName);
            return builder;
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariable, previous);
            Gate.Release();
        }
    }
}
