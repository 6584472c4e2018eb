using LocalRuntime.Functions;

namespace LocalRuntime.TestHost;

/// <summary>
/// Runs the crash-test functions: <c>--db &lt;sqlite file&gt; --port &lt;port&gt;</c> (or <c>TESTHOST_DB</c>,
/// <c>TESTHOST_PORT</c>); activities append to the file named by <c>TESTHOST_ACTIVITY_LOG</c>.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var db = Option(args, "--db") ?? Environment.GetEnvironmentVariable("TESTHOST_DB") ?? Path.Combine(".data", "crash.db");
        var port = Option(args, "--port") ?? Environment.GetEnvironmentVariable("TESTHOST_PORT") ?? "7199";
        var builder = LocalFunctionsApplication.CreateBuilder(
        [
            "--urls", $"http://127.0.0.1:{port}",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", "sqlite",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:path", db,
        ]);
        await using var app = builder.Build(typeof(Program).Assembly);
        await app.RunAsync();
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
